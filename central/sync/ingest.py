"""Taking in a batch (B3): one transaction, exactly once, with a stored receipt.

Stages, all inside one transaction so a crash at any point leaves either nothing or everything:
lock the node; answer a replay with its stored receipt; refuse a gap; for each operation already
held compare bodies (same -> duplicate, different -> the node is a clone or an old backup:
quarantine); apply the rest in order - set-wise when central agrees with them (`agreed`), else
through the services (`apply`); store operations, conflicts, the new high-water mark and the
receipt.
"""

import gc
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select

from central.models import NodeStatus, SyncBatch, SyncNode, SyncOperation
from central.services.context import ServiceContext, transaction
from central.services.offline import Disagreement
from central.sync.agreed import OPERATION_COLUMNS, AgreedLane
from central.sync.apply import Held, OperationContext, apply_payload
from central.sync.clock import is_implausible, place_in_time
from central.sync.conflicts import raise_conflict
from central.sync.devices import quarantine
from central.sync.errors import BadRequest, NodeQuarantined, NodeRevoked, SequenceGap
from central.sync.stops import location_for_stop
from sync_protocol.batch import Batch, OperationReceipt, Outcome, Receipt
from sync_protocol.operations import Operation


def ingest_batch(ctx: ServiceContext, node: SyncNode, batch: Batch) -> Receipt:
    """Apply `batch` from `node` exactly once and return the receipt (the stored one on a replay)."""
    with collector_paused(), transaction(ctx.session):
        node = _lock(ctx, node)
        if batch.node_id != node.code:
            raise BadRequest("wrong_node", "別の端末のバッチです。", "The batch belongs to another node.")
        stored = ctx.session.exec(
            select(SyncBatch).where(
                SyncBatch.node_id == node.id, SyncBatch.epoch == batch.epoch, SyncBatch.sha256 == batch.sha256()
            )
        ).first()
        if stored is not None:
            return Receipt.from_dict(json.loads(stored.receipt))
        _check_epoch(node, batch)
        if batch.first_seq > node.high_water + 1:
            raise SequenceGap(node.high_water + 1)
        receipts = _take_in(ctx, node, batch)
        receipt = Receipt(node.code, batch.epoch, batch.sha256(), node.high_water, tuple(receipts))
        record = SyncBatch(
            node_id=node.id,  # type: ignore[arg-type]
            epoch=batch.epoch,
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            sha256=batch.sha256(),
            received_at=ctx.now,
            clock_offset_ms=node.clock_offset_ms,
            receipt=receipt.canonical_bytes().decode(),
        )
        node.last_batch_at = ctx.now
        ctx.session.add_all([record, node])
        return receipt


_paused = 0  # batches running now in this process
_resume = True  # whether the collector ran before the first of them
_paused_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector waits while a batch is taken in.

    A batch of a thousand operations allocates a few hundred thousand short-lived objects, and
    each of the collector's passes walks every object the process holds: measured, those passes
    cost a fifth of the batch. Reference counting still frees the objects as they go; what cycles
    remain are collected when the last batch running in the process ends. A batch is bounded in
    size (`sync_protocol.batch.MAX_BODY_BYTES`), so the memory this can hold back is too.
    """
    global _paused, _resume
    with _paused_lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


def _lock(ctx: ServiceContext, node: SyncNode) -> SyncNode:
    """The node row, locked: two workers receiving the same batch apply it once."""
    locked = ctx.session.exec(
        select(SyncNode)
        .where(SyncNode.id == node.id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as it is now, not as the session held it
    ).one()
    if locked.status == NodeStatus.REVOKED:
        raise NodeRevoked()
    if locked.status == NodeStatus.QUARANTINED:
        raise NodeQuarantined()
    return locked


def _check_epoch(node: SyncNode, batch: Batch) -> None:
    if batch.epoch != node.epoch:
        raise BadRequest(
            "stale_epoch",
            "端末の登録情報が古くなっています(再登録後の古いデータ)。管理者に連絡してください。",
            f"Epoch {batch.epoch} is not the node's current epoch {node.epoch}.",
            expected_epoch=node.epoch,
        )


def _take_in(ctx: ServiceContext, node: SyncNode, batch: Batch) -> list[OperationReceipt]:
    receipts: list[OperationReceipt] = []
    state = _BatchState(_previous_effective(ctx, node), {})
    lane = AgreedLane(ctx)
    operations = batch.operations
    new = next((i for i, op in enumerate(operations) if op.seq > node.high_water), len(operations))
    for position, op in enumerate(operations[:new]):
        prior = ctx.session.exec(
            select(SyncOperation).where(
                SyncOperation.node_id == node.id, SyncOperation.epoch == op.epoch, SyncOperation.seq == op.seq
            )
        ).one()
        if prior.sha256 != op.sha256():
            return receipts + _diverged(ctx, node, prior, operations[position:])
        receipts.append(OperationReceipt(op.seq, op.op_id, Outcome.DUPLICATE, prior.code))
    lane.prepare(operations, new)
    actor = f"node:{node.code}"
    node_id: int = node.id  # type: ignore[assignment]  # a stored node has its id
    for position in range(new, len(operations)):
        op = operations[position]
        lane.read_ahead(operations, position)
        placement = place_in_time(
            op.wall_time,
            node.clock_offset_ms,
            previous=state.previous_effective,
            earliest=node.enrolled_at,
            received_at=ctx.now,
        )
        state.previous_effective = placement.effective_at
        location = state.location(ctx, node, op.stop_code)
        op_ctx = ServiceContext(ctx.session, ctx.policy, actor, location, placement.effective_at)
        row = _operation_row(node_id, op, placement.effective_at, ctx.now)
        clock_wrong = is_implausible(placement)
        if clock_wrong or not lane.take(op_ctx, op, ctx.now, row):
            lane.write()
            receipts.append(_apply(ctx, node, op, op_ctx, row, clock_wrong))
            lane.reload(operations, position + 1)
        else:
            receipts.append(OperationReceipt(op.seq, op.op_id, Outcome.APPLIED))
    lane.write()
    node.high_water = max(node.high_water, operations[-1].seq)
    return receipts


@dataclass
class _BatchState:
    """What one operation passes to the next within a batch (saves a query per operation)."""

    previous_effective: datetime | None
    stops: dict[str, int]

    def location(self, ctx: ServiceContext, node: SyncNode, stop_code: str) -> int:
        if stop_code not in self.stops:
            self.stops[stop_code] = location_for_stop(ctx, node, stop_code)
        return self.stops[stop_code]


def _diverged(
    ctx: ServiceContext, node: SyncNode, prior: SyncOperation, rest: tuple[Operation, ...]
) -> list[OperationReceipt]:
    """SPEC 9: a sequence central holds arrived with another body - a cloned or restored node.

    Told by the hash: the body central held may have been emptied by the nightly job (then None)."""
    quarantine(ctx, node)
    conflict = raise_conflict(
        ctx,
        node,
        prior,
        Disagreement(
            "restored_node",
            f"端末「{node.code}」から、既に受け取った番号({prior.seq})の別の操作が届きました(複製またはバックアップからの復元)。",
            "端末を隔離しました。届いた操作は適用せず、この記録に保存しています。再登録してください。",
            {"seq": prior.seq, "sha256": prior.sha256, "body": json.loads(prior.body) if prior.body else None},
            needs_admin=True,
        ),
        {"operations": [op.to_dict() for op in rest]},
    )
    return [
        OperationReceipt(op.seq, op.op_id, Outcome.CONFLICT, "restored_node", conflict_id=conflict.id) for op in rest
    ]


def _operation_row(node_id: int, op: Operation, effective_at: datetime, received_at: datetime) -> tuple[Any, ...]:
    """The operation's `sync_operation` row (`OPERATION_COLUMNS`), as applied; `_apply` corrects
    the outcome if it was not."""
    return (
        op.op_id,
        node_id,
        op.epoch,
        op.seq,
        op.sha256(),
        op.payload.TYPE,
        op.stop_code,
        op.canonical_bytes().decode(),
        op.wall_time,
        effective_at,
        Outcome.APPLIED,
        "",
        received_at,
    )


def _apply(
    ctx: ServiceContext,
    node: SyncNode,
    op: Operation,
    op_ctx: ServiceContext,
    row: tuple[Any, ...],
    clock_wrong: bool,
) -> OperationReceipt:
    """One operation through the services: what the agreed lane declined, or a clock central corrected."""
    record = SyncOperation(**dict(zip(OPERATION_COLUMNS, row, strict=True)))
    ctx.session.add(record)
    ctx.session.flush()
    found: list[Disagreement] = []
    if clock_wrong:
        found.append(_clock_disagreement(op, op_ctx.now))
    try:
        outcome, applied = apply_payload(OperationContext(op_ctx, ctx.now), op.payload)
        found += applied.disagreements
    except Held as held:
        outcome = Outcome.CONFLICT
        found.insert(0, held.disagreement)
    conflicts = [raise_conflict(ctx, node, record, d, {"operation": op.to_dict()}) for d in found]
    record.outcome = outcome
    record.code = found[0].kind if found else ""
    ctx.session.add(record)
    return OperationReceipt(
        op.seq,
        op.op_id,
        outcome,
        record.code,
        found[0].summary if found else "",
        conflicts[0].id if conflicts else None,
    )


def _previous_effective(ctx: ServiceContext, node: SyncNode) -> datetime | None:
    return ctx.session.exec(
        select(SyncOperation.effective_at)
        .where(SyncOperation.node_id == node.id, SyncOperation.epoch == node.epoch)
        .order_by(SyncOperation.seq.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()


def _clock_disagreement(op: Operation, effective_at: datetime) -> Disagreement:
    return Disagreement(
        "clock_skew",
        "移動図書館の端末の時計がずれていたため、操作の時刻を補正しました。",
        f"操作時刻を {effective_at.isoformat()} として適用しました。",
        {"wall_time": op.wall_time, "effective_at": effective_at},
    )


def last_operation_hash(ctx: ServiceContext, node: SyncNode) -> str:
    """The body hash of the node's operation at the high-water mark ("" before the first one).

    A node compares it with its own operation at that number: equal means it shares central's
    history up to there (operation ids are random, so a different history cannot match).
    """
    with transaction(ctx.session):
        found = ctx.session.exec(
            select(SyncOperation.sha256).where(
                SyncOperation.node_id == node.id,
                SyncOperation.epoch == node.epoch,
                SyncOperation.seq == node.high_water,
            )
        ).first()
        return found or ""
