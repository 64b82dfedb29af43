"""The conflict queue as admins read it (web console and `central conflicts`): filters, the detail
with both sides' facts, and the decisions that fit. Reads only; decisions are `central.sync.resolution`."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from central.errors import InvalidInput
from central.models import Conflict, ConflictStatus, SyncNode, SyncOperation
from central.services.context import ServiceContext, transaction
from central.staff.labels import KIND_LABELS, STATUS_LABELS, action_label, actor_names
from central.sync.resolution import Action, actions_for, envelope_of, involved_patrons, load_conflict
from central.sync.retention import is_forgotten

PAGE_SIZE = 100
# "unresolved" = open and auto together; "all" = no status filter.
STATUS_FILTERS = ("open", "auto", "unresolved", "resolved", "voided", "all")


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters: kind, node code, status (see STATUS_FILTERS), at least this many days old."""

    kind: str = ""
    node: str = ""
    status: str = "open"
    older_than_days: int = 0
    offset: int = 0


@dataclass(frozen=True)
class ConflictRow:
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    node: str
    summary: str
    created_at: datetime
    age_days: int


@dataclass(frozen=True)
class OperationView:
    """The van operation behind a conflict, as it arrived."""

    id: int
    type: str
    seq: int
    epoch: int
    stop: str
    wall_time: datetime
    effective_at: datetime
    received_at: datetime
    outcome: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class PatronBrief:
    """A record a merge may keep or fold in."""

    id: int
    card_number: str
    name: str
    name_reading: str
    birth_date: date
    registered_at: datetime
    status: str


@dataclass(frozen=True)
class ConflictDetail:
    row: ConflictRow
    default_action: str
    van_facts: dict[str, Any]
    central_facts: dict[str, Any]
    operation: OperationView | None
    held: bool
    actions: tuple[Action, ...]
    action_labels: dict[str, str]
    patrons: tuple[PatronBrief, ...]
    resolution: str
    resolved_by: str
    resolved_at: datetime | None
    facts_forgotten: bool  # the night emptied both sides' facts once the conflict was decided


def _status_clause(status: str) -> Any:
    if status not in STATUS_FILTERS:
        raise InvalidInput("unknown_status_filter", "状態の指定が正しくありません。", f"Unknown status {status}.")
    if status == "unresolved":
        return col(Conflict.status).in_([ConflictStatus.OPEN, ConflictStatus.AUTO])
    return None if status == "all" else col(Conflict.status) == status


def _filtered(query: Any, flt: QueueFilter, now: datetime) -> Any:
    clause = _status_clause(flt.status)
    if clause is not None:
        query = query.where(clause)
    if flt.kind:
        query = query.where(Conflict.kind == flt.kind)
    if flt.node:
        query = query.where(SyncNode.code == flt.node)
    if flt.older_than_days > 0:
        query = query.where(col(Conflict.created_at) <= now - timedelta(days=flt.older_than_days))
    return query


# What the console shows once the nightly job forgot a decided conflict's words (no reading history).
FORGOTTEN_SUMMARY = "(保存期間を過ぎたため、内容は消去しました)"
FORGOTTEN_RESOLUTION = "(保存期間を過ぎたため、判断の詳細は消去しました)"


def _row(conflict: Conflict, node_code: str | None, now: datetime) -> ConflictRow:
    assert conflict.id is not None
    return ConflictRow(
        id=conflict.id,
        kind=conflict.kind,
        kind_label=KIND_LABELS.get(conflict.kind, conflict.kind),
        status=conflict.status,
        status_label=STATUS_LABELS.get(conflict.status, conflict.status),
        node=node_code or "",
        summary=conflict.summary or FORGOTTEN_SUMMARY,
        created_at=conflict.created_at,
        age_days=max(0, (now - conflict.created_at).days),
    )


def list_conflicts(ctx: ServiceContext, flt: QueueFilter) -> tuple[list[ConflictRow], int]:
    """One page of the queue (oldest first: the longest waiting gets decided first) and the total."""
    base = select(Conflict, SyncNode.code).join(SyncNode, col(SyncNode.id) == Conflict.node_id, isouter=True)
    counted = (
        select(func.count()).select_from(Conflict).join(SyncNode, col(SyncNode.id) == Conflict.node_id, isouter=True)
    )
    with transaction(ctx.session):
        total = ctx.session.exec(_filtered(counted, flt, ctx.now)).one()
        page = _filtered(base, flt, ctx.now).order_by(col(Conflict.created_at), col(Conflict.id))
        rows = ctx.session.exec(page.offset(max(0, flt.offset)).limit(PAGE_SIZE)).all()
        return [_row(conflict, code, ctx.now) for conflict, code in rows], int(total)


def queue_choices(ctx: ServiceContext) -> tuple[list[str], list[str]]:
    """The kinds and node codes that occur, for the filter menus."""
    with transaction(ctx.session):
        kinds = ctx.session.exec(select(Conflict.kind).distinct().order_by(col(Conflict.kind))).all()
        nodes = ctx.session.exec(select(SyncNode.code).order_by(col(SyncNode.code))).all()
        return list(kinds), list(nodes)


def _operation_view(operation: SyncOperation) -> OperationView:
    """The operation; without its payload once the nightly job forgot the body (decided conflicts)."""
    assert operation.id is not None
    return OperationView(
        id=operation.id,
        type=operation.type,
        seq=operation.seq,
        epoch=operation.epoch,
        stop=operation.stop_code,
        wall_time=operation.wall_time,
        effective_at=operation.effective_at,
        received_at=operation.received_at,
        outcome=operation.outcome,
        payload=envelope_of(operation).to_dict()["payload"] if operation.body else {},
    )


def _facts(raw: str) -> dict[str, Any]:
    facts = json.loads(raw or "{}")
    # The van's side repeats the whole operation, which the page shows on its own.
    facts.pop("operation", None)
    return facts


def conflict_detail(ctx: ServiceContext, conflict_id: int) -> ConflictDetail:
    """Everything an admin needs to decide: both sides' facts, the default taken, the fitting actions."""
    with transaction(ctx.session):
        conflict, operation = load_conflict(ctx, conflict_id)
        node = ctx.session.get(SyncNode, conflict.node_id) if conflict.node_id else None
        actions = actions_for(conflict, operation)
        patrons = involved_patrons(ctx, conflict, operation) if Action.MERGE in actions else []
        names = actor_names(ctx, [conflict.resolved_by])
        return ConflictDetail(
            row=_row(conflict, node.code if node else None, ctx.now),
            default_action=conflict.default_action,
            van_facts=_facts(conflict.van_facts),
            central_facts=_facts(conflict.central_facts),
            operation=_operation_view(operation) if operation is not None else None,
            held=Action.RETRY in actions,
            actions=actions,
            action_labels={a.value: action_label(conflict.kind, a) for a in actions},
            patrons=tuple(
                PatronBrief(p.id, p.card_number, p.name, p.name_reading, p.birth_date, p.registered_at, p.status)  # type: ignore[arg-type]
                for p in patrons
            ),
            resolution=conflict.resolution or (FORGOTTEN_RESOLUTION if conflict.resolved_at else ""),
            resolved_by=names.get(conflict.resolved_by, conflict.resolved_by),
            resolved_at=conflict.resolved_at,
            facts_forgotten=is_forgotten(conflict),
        )
