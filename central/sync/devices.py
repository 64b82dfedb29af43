"""Device identity (B3 security): enrolment codes, keys, revocation, and checking signed requests.

An admin registers a van's laptop and gets a one-time enrolment code (stored only as a SHA-256,
valid for a day). The node generates its key pair, proves the code once, and from then on signs
every request (`sync_protocol.signing`). Central stores only public keys.
"""

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from central.errors import InvalidInput, NotFound, RuleRefused
from central.models import CardBlock, Location, LocationKind, NodeStatus, RequestNonce, SyncNode
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.sync.errors import EnrolmentRefused, NodeQuarantined, NodeRevoked, NotAuthenticated
from sync_protocol import signing
from sync_protocol.normalize import normalize_node_id
from sync_protocol.signing import TIMESTAMP_WINDOW_S

ENROLMENT_CODE_TTL = timedelta(hours=24)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Card numbers for vans: 8 digits from 80000000, handed out in blocks.
CARD_BLOCK_BASE = 80000000
CARD_BLOCK_SIZE = 1000


@dataclass(frozen=True)
class EnrolmentCode:
    """A node and its one-time code, shown to the admin once."""

    node: SyncNode
    code: str


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


# What a node id may be once folded: it travels in every signed request's headers (ASCII only).
_NODE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def node_by_code(ctx: ServiceContext, code: str) -> SyncNode:
    code = normalize_node_id(code)
    node = ctx.session.exec(select(SyncNode).where(SyncNode.code == code)).first()
    if node is None:
        raise NotFound("unknown_node", f"端末「{code}」は登録されていません。", f"No node {code}.")
    return node


def register_node(ctx: ServiceContext, code: str, van: Location) -> EnrolmentCode:
    """Register a van's laptop under `code` (normalised) and issue its first enrolment code."""
    code = normalize_node_id(code)
    if not _NODE_CODE.fullmatch(code):
        raise InvalidInput(
            "malformed_node_code",
            "端末IDは半角英数字と「-」「_」の32文字以内にしてください(例:BM1-A)。",
            "A node id is up to 32 letters, digits, - or _.",
        )
    if van.kind != LocationKind.BOOKMOBILE:
        raise InvalidInput(
            "not_a_bookmobile", "端末は移動図書館に登録してください。", "A node belongs to a bookmobile."
        )
    with transaction(ctx.session):
        if ctx.session.exec(select(SyncNode.id).where(SyncNode.code == code)).first() is not None:
            raise RuleRefused("node_exists", f"端末「{code}」はすでに登録されています。", f"Node {code} exists.")
        node = SyncNode(code=code, location_id=van.id, created_at=ctx.now)  # type: ignore[arg-type]
        ctx.session.add(node)
        ctx.session.flush()
        audit.record(ctx, "node.register", "node", node.code, after={"van": van.code})
        return issue_enrolment_code(ctx, node)


def issue_enrolment_code(ctx: ServiceContext, node: SyncNode) -> EnrolmentCode:
    """A new one-time code: for the first enrolment, or to re-enrol a quarantined or rebuilt node."""
    with transaction(ctx.session):
        code = _new_code()
        node.enrol_code_hash = _hash_code(code)
        node.enrol_expires_at = ctx.now + ENROLMENT_CODE_TTL
        ctx.session.add(node)
        audit.record(ctx, "node.enrolment_code", "node", node.code, after={"expires_at": node.enrol_expires_at})
        return EnrolmentCode(node, code)


def enrol(ctx: ServiceContext, node_code: str, enrolment_code: str, public_key: str, epoch: int = 0) -> SyncNode:
    """The node proves its one-time code and registers its public key; a new epoch starts.

    `epoch` is the one the node's fresh database was created with (`bookmobile init --epoch N`);
    it must be newer than any epoch central has seen from this node (0: just the next one).
    """
    with transaction(ctx.session):
        node = ctx.session.exec(select(SyncNode).where(SyncNode.code == normalize_node_id(node_code))).first()
        if (
            node is None
            or node.status == NodeStatus.REVOKED
            or not node.enrol_code_hash
            or node.enrol_expires_at is None
            or node.enrol_expires_at < ctx.now
            or not secrets.compare_digest(node.enrol_code_hash, _hash_code(enrolment_code))
        ):
            raise EnrolmentRefused()
        if not signing.is_public_key(public_key):
            raise InvalidInput("bad_public_key", "公開鍵の形式が正しくありません。", "Malformed public key.")
        if epoch and epoch <= node.epoch:
            raise RuleRefused(
                "epoch_not_new",
                f"端末のエポック{epoch}は使用済みです。bookmobile init --epoch {node.epoch + 1} で作り直してください。",
                f"Epoch {epoch} was used before; re-create the node with epoch {node.epoch + 1}.",
                expected_epoch=node.epoch + 1,
            )
        node.public_key = public_key
        node.enrol_code_hash = ""
        node.enrol_expires_at = None
        node.status = NodeStatus.ACTIVE
        node.epoch = epoch or node.epoch + 1
        node.high_water = 0
        node.enrolled_at = ctx.now
        ctx.session.add(node)
        audit.record(
            ctx, "node.enrol", "node", node.code, after={"epoch": node.epoch, "key": signing.fingerprint(public_key)}
        )
        return node


def revoke(ctx: ServiceContext, node: SyncNode) -> SyncNode:
    """Stop a node at once (a lost or stolen laptop): every later request is refused."""
    with transaction(ctx.session):
        before = {"status": node.status}
        node.status = NodeStatus.REVOKED
        node.enrol_code_hash = ""
        ctx.session.add(node)
        audit.record(ctx, "node.revoke", "node", node.code, before=before, after={"status": node.status})
        return node


def rotate_key(ctx: ServiceContext, node: SyncNode, new_public_key: str) -> SyncNode:
    """Replace the node's key (the request doing this was signed with the old one)."""
    with transaction(ctx.session):
        old = signing.fingerprint(node.public_key)
        node.public_key = new_public_key
        ctx.session.add(node)
        audit.record(
            ctx,
            "node.rotate_key",
            "node",
            node.code,
            before={"key": old},
            after={"key": signing.fingerprint(new_public_key)},
        )
        return node


def quarantine(ctx: ServiceContext, node: SyncNode) -> None:
    """Stop taking batches from a node that re-sent a sequence with a different body."""
    node.status = NodeStatus.QUARANTINED
    ctx.session.add(node)
    audit.record(ctx, "node.quarantine", "node", node.code, after={"status": node.status})


def authenticate_request(
    ctx: ServiceContext, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> SyncNode:
    """Check a signed request: known active node, good signature, fresh timestamp, unused nonce.

    The nonce is spent in its own transaction, so even a request that fails later cannot be replayed.
    """
    node_code = headers.get(signing.HEADER_NODE, "")
    nonce = headers.get(signing.HEADER_NONCE, "")
    try:
        timestamp = int(headers.get(signing.HEADER_TIMESTAMP, ""))
    except ValueError:
        raise NotAuthenticated("timestamp") from None
    if not node_code or not (16 <= len(nonce) <= 64):
        raise NotAuthenticated("headers")
    with transaction(ctx.session):
        node = ctx.session.exec(select(SyncNode).where(SyncNode.code == normalize_node_id(node_code))).first()
        if node is None or not node.public_key:
            raise NotAuthenticated("node")
        message = signing.string_to_sign(method, path, node_code, timestamp, nonce, body)
        if not signing.verify(node.public_key, message, headers.get(signing.HEADER_SIGNATURE, "")):
            raise NotAuthenticated("signature")
        if node.status == NodeStatus.REVOKED:
            raise NodeRevoked()
        if abs(ctx.now.timestamp() - timestamp) > TIMESTAMP_WINDOW_S:
            raise NotAuthenticated("timestamp")
        _spend_nonce(ctx, node, nonce)
        _note_contact(ctx, node, headers)
    if node.status == NodeStatus.QUARANTINED:
        raise NodeQuarantined()
    return node


def _spend_nonce(ctx: ServiceContext, node: SyncNode, nonce: str) -> None:
    horizon = ctx.now - timedelta(seconds=2 * TIMESTAMP_WINDOW_S)
    ctx.session.execute(delete(RequestNonce).where(RequestNonce.seen_at < horizon))  # type: ignore[arg-type]
    try:
        with ctx.session.begin_nested():
            ctx.session.add(RequestNonce(node_id=node.id, nonce=nonce, seen_at=ctx.now))  # type: ignore[arg-type]
    except IntegrityError:
        raise NotAuthenticated("replayed request") from None


def _note_contact(ctx: ServiceContext, node: SyncNode, headers: Mapping[str, str]) -> None:
    """Record the contact and the node's clock offset (node clock minus central's, SPEC 8)."""
    node.last_contact_at = ctx.now
    try:
        node_clock_ms = int(headers.get(signing.HEADER_NODE_CLOCK, ""))
        node.clock_offset_ms = node_clock_ms - int(ctx.now.timestamp() * 1000)
    except ValueError:
        pass
    ctx.session.add(node)


def allocate_card_block(ctx: ServiceContext, node: SyncNode, size: int = CARD_BLOCK_SIZE) -> CardBlock:
    """Give the node a fresh range of card numbers no other node or desk will use (B6, SPEC 6)."""
    with transaction(ctx.session):
        last = ctx.session.exec(select(func.max(CardBlock.last))).one()
        first = max(CARD_BLOCK_BASE, int(last) + 1 if last else CARD_BLOCK_BASE)
        block = CardBlock(
            node_id=node.id,  # type: ignore[arg-type]
            first=str(first),
            last=str(first + size - 1),
            issued_at=ctx.now,
        )
        ctx.session.add(block)
        ctx.session.flush()
        audit.record(ctx, "node.card_block", "node", node.code, after={"first": block.first, "last": block.last})
        return block
