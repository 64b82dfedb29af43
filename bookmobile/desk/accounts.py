"""The internet service in person on the van: apply with an existing card, or re-issue (R1-R7).

R2: the patron is at the counter with the card and an identity document; staff record only the
document's kind. R4: the temporary password is generated here and printed once; the outbox and
central get its argon2 hash. R5: an application taken on the van works from the day after central
takes it in, so the receipt can promise "tomorrow at the earliest", not a date. R7: a forgotten
password is re-issued, never recovered.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from bookmobile.clock import today
from bookmobile.desk.patrons import require_patron
from bookmobile.desk.recording import record
from bookmobile.desk.scanning import read_card
from bookmobile.errors import AlreadyHasInternetAccount, NoInternetAccount, RuleRefused
from bookmobile.node import Node
from bookmobile.passwords import TemporaryPassword, new_temporary_password
from bookmobile.store import local_changes
from bookmobile.store.connection import write_transaction
from sync_protocol.eligibility import NOT_ELIGIBLE
from sync_protocol.operations import ApplyInternetService, IdDocumentKind, ReissuePassword


@dataclass(frozen=True)
class IssuedPassword:
    """What the receipt shows. `temporary_password` is never stored anywhere."""

    seq: int
    card_number: str
    name: str
    temporary_password: str
    earliest_first_login: date
    reissued: bool


def apply_internet_service(node: Node, card_raw: str, id_kind: IdDocumentKind) -> IssuedPassword:
    """R1-R5 for a patron who already has a card."""
    card = read_card(node.conn, card_raw)
    password = new_temporary_password()
    with write_transaction(node.conn):
        node.snapshot()
        patron = require_patron(node, card)
        if patron.has_internet_account:
            raise AlreadyHasInternetAccount(name=patron.name)
        if today(node.clock) < patron.internet_eligible_from:
            raise RuleRefused(NOT_ELIGIBLE)
        return issue_password(node, card, patron.name, id_kind, password)


def reissue_password(node: Node, card_raw: str, id_kind: IdDocumentKind) -> IssuedPassword:
    """R7: a new temporary password in person; the old one stops working when central applies it."""
    card = read_card(node.conn, card_raw)
    password = new_temporary_password()
    with write_transaction(node.conn):
        node.snapshot()
        patron = require_patron(node, card)
        if not patron.has_internet_account:
            raise NoInternetAccount(name=patron.name)
        return issue_password(node, card, patron.name, id_kind, password, reissue=True)


def issue_password(
    node: Node,
    card: str,
    name: str,
    id_kind: IdDocumentKind,
    password: TemporaryPassword,
    *,
    reissue: bool = False,
) -> IssuedPassword:
    """Inside the caller's transaction: record the application (or re-issue) with the hash only."""
    payload = (
        ReissuePassword(card, id_kind, password.hash) if reissue else ApplyInternetService(card, id_kind, password.hash)
    )
    op = record(node, payload)
    local_changes.save_patron(node.conn, op.seq, card, has_internet_account=True)
    return IssuedPassword(op.seq, card, name, password.plain, today(node.clock) + timedelta(days=1), reissue)
