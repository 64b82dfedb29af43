"""Bookmobile nodes as admins see them: enrolment, and the sync dashboard (last contact, last batch,
operations taken in today, open conflicts, clock offset, snapshot age, and a flag for a silent node)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from central.errors import InvalidInput
from central.models import (
    CardBlock,
    Conflict,
    ConflictStatus,
    Location,
    LocationKind,
    NodeStatus,
    SyncBatch,
    SyncNode,
    SyncOperation,
)
from central.services.context import ServiceContext, transaction
from central.services.lookup import location_by_code
from central.staff.labels import NODE_STATUS_LABELS
from central.sync import devices
from sync_protocol.timezone import TOKYO

RECENT_BATCHES = 10


@dataclass(frozen=True)
class NodeView:
    id: int
    code: str
    van: str
    status: str
    status_label: str
    epoch: int
    high_water: int
    last_contact_at: datetime | None
    last_batch_at: datetime | None
    ops_today: int
    open_conflicts: int
    clock_offset_s: float | None
    snapshot_age: timedelta | None
    silent: bool
    code_pending: bool
    card_blocks: tuple[str, ...]


@dataclass(frozen=True)
class BatchView:
    received_at: datetime
    epoch: int
    first_seq: int
    last_seq: int
    clock_offset_s: float | None


@dataclass(frozen=True)
class Enrolment:
    """A node just registered (or re-enrolled): its one-time code, shown to the admin once."""

    node: str
    code: str
    expires_at: datetime
    card_block: str


def _start_of_today(now: datetime) -> datetime:
    local = now.astimezone(TOKYO)
    return datetime.combine(local.date(), time(0), TOKYO)


def _count(ctx: ServiceContext, query: object) -> int:
    return int(ctx.session.exec(query).one())  # type: ignore[call-overload]


def _view(ctx: ServiceContext, node: SyncNode, van: str, silence: timedelta) -> NodeView:
    assert node.id is not None
    ops_today = _count(
        ctx,
        select(func.count())
        .select_from(SyncOperation)
        .where(SyncOperation.node_id == node.id, col(SyncOperation.received_at) >= _start_of_today(ctx.now)),
    )
    open_conflicts = _count(
        ctx,
        select(func.count())
        .select_from(Conflict)
        .where(Conflict.node_id == node.id, Conflict.status == ConflictStatus.OPEN),
    )
    blocks = ctx.session.exec(select(CardBlock).where(CardBlock.node_id == node.id).order_by(col(CardBlock.id))).all()
    heard = node.last_contact_at
    return NodeView(
        id=node.id,
        code=node.code,
        van=van,
        status=node.status,
        status_label=NODE_STATUS_LABELS.get(node.status, node.status),
        epoch=node.epoch,
        high_water=node.high_water,
        last_contact_at=heard,
        last_batch_at=node.last_batch_at,
        ops_today=ops_today,
        open_conflicts=open_conflicts,
        clock_offset_s=None if node.clock_offset_ms is None else node.clock_offset_ms / 1000,
        snapshot_age=ctx.now - node.last_pull_at if node.last_pull_at else None,
        silent=node.status == NodeStatus.ACTIVE and (heard is None or ctx.now - heard > silence),
        code_pending=bool(node.enrol_expires_at and node.enrol_expires_at > ctx.now),
        card_blocks=tuple(f"{b.first}-{b.last}" for b in blocks),
    )


def node_dashboard(ctx: ServiceContext, silence: timedelta) -> list[NodeView]:
    """Every node, silent ones flagged: a van not heard from for `silence` needs a look."""
    with transaction(ctx.session):
        rows = ctx.session.exec(
            select(SyncNode, Location.name)
            .join(Location, col(Location.id) == SyncNode.location_id)
            .order_by(col(SyncNode.code))
        ).all()
        return [_view(ctx, node, van, silence) for node, van in rows]


def node_detail(ctx: ServiceContext, code: str, silence: timedelta) -> tuple[NodeView, list[BatchView]]:
    """One node's dashboard and its latest batches."""
    with transaction(ctx.session):
        node = devices.node_by_code(ctx, code)
        van = ctx.session.get(Location, node.location_id)
        batches = ctx.session.exec(
            select(SyncBatch)
            .where(SyncBatch.node_id == node.id)
            .order_by(col(SyncBatch.id).desc())
            .limit(RECENT_BATCHES)
        ).all()
        return _view(ctx, node, van.name if van else "", silence), [
            BatchView(
                b.received_at,
                b.epoch,
                b.first_seq,
                b.last_seq,
                None if b.clock_offset_ms is None else b.clock_offset_ms / 1000,
            )
            for b in batches
        ]


def bookmobiles(ctx: ServiceContext) -> list[Location]:
    with transaction(ctx.session):
        return list(
            ctx.session.exec(
                select(Location).where(Location.kind == LocationKind.BOOKMOBILE).order_by(col(Location.code))
            )
        )


def enrol_bookmobile(ctx: ServiceContext, code: str, van_code: str) -> Enrolment:
    """Register a van's laptop with a block of card numbers, in one transaction; the code is shown once."""
    with transaction(ctx.session):
        issued = devices.register_node(ctx, code, location_by_code(ctx.session, van_code))
        block = devices.allocate_card_block(ctx, issued.node)
        assert issued.node.enrol_expires_at is not None
        return Enrolment(issued.node.code, issued.code, issued.node.enrol_expires_at, f"{block.first}-{block.last}")


def new_enrolment_code(ctx: ServiceContext, code: str) -> Enrolment:
    """Re-enrol (a rebuilt, quarantined, or key-rotated laptop): a fresh one-time code; the node keeps
    working with its current key until it enrols again with a new one."""
    with transaction(ctx.session):
        node = devices.node_by_code(ctx, code)
        if node.status == NodeStatus.REVOKED:
            raise InvalidInput(
                "node_revoked",
                "利用停止した端末は再登録できません。新しい端末IDで登録してください。",
                "A revoked node cannot be re-enrolled; register a new node id.",
            )
        issued = devices.issue_enrolment_code(ctx, node)
        assert node.enrol_expires_at is not None
        return Enrolment(node.code, issued.code, node.enrol_expires_at, "")


def revoke_node(ctx: ServiceContext, code: str) -> SyncNode:
    """A lost or stolen laptop: refused from its next request on."""
    with transaction(ctx.session):
        return devices.revoke(ctx, devices.node_by_code(ctx, code))
