"""Pushing the outbox (B3): resume from central's high-water mark, batch by size, mark sent on receipt."""

from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from bookmobile.node import Node
from bookmobile.store import outbox
from bookmobile.store.connection import reading, write_transaction
from bookmobile.sync.errors import DivergedFromCentral, EpochMismatch, RestoredFromBackup, SyncFailed
from bookmobile.sync.transport import CentralError, CentralLink
from sync_protocol.batch import Batch, Receipt, cut_batches


@dataclass
class PushReport:
    """What the push did: operations sent, outcomes by kind, conflicts central raised."""

    sent: int = 0
    batches: int = 0
    wire_bytes: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    conflicts: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, code, message)


def _local_last_seq(node: Node) -> int:
    with reading(node.conn):
        return int(node.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0])


def _hash_at(node: Node, seq: int) -> str | None:
    with reading(node.conn):
        row = node.conn.execute("SELECT sha256 FROM outbox WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else str(row[0])


def _acknowledge(node: Node, seqs: list[int]) -> None:
    with write_transaction(node.conn):
        outbox.mark_sent(node.conn, seqs, node.clock.now())


def push(node: Node, link: CentralLink, batch_bytes: int, progress: Callable[[int, int], None]) -> PushReport:
    """Send every operation central does not hold yet; `progress(done, total)` after each batch."""
    state = link.call("GET", "/sync/v1/state")
    if int(state["epoch"]) != node.epoch:
        raise EpochMismatch(local=node.epoch, central=state["epoch"])
    high_water = int(state["high_water"])
    local = _local_last_seq(node)
    if high_water > local:
        _hand_over_diverging(node, link)
        raise RestoredFromBackup(central=high_water, local=local)
    if high_water and _hash_at(node, high_water) != state.get("high_water_sha256"):
        _hand_over_diverging(node, link)
        raise DivergedFromCentral(seq=high_water)
    # Central holds everything up to its high-water mark: a receipt lost on the way counts as received.
    with reading(node.conn):
        held = [op.seq for op in outbox.pending(node.conn, 0, limit=high_water or 1) if op.seq <= high_water]
    if held:
        _acknowledge(node, held)
    report = PushReport()
    with reading(node.conn):
        todo = outbox.pending(node.conn, high_water, limit=10**9)
    for run in cut_batches(todo, batch_bytes):
        batch = Batch(node.node_id, node.epoch, run[0].seq, run[-1].seq, run)
        wire = batch.encode()
        try:
            answer = link.call("POST", "/sync/v1/batches", wire)
        except CentralError as error:
            if error.central_code == "sequence_gap":  # central moved on meanwhile: start again from its mark
                return _merge(report, push(node, link, batch_bytes, progress))
            raise
        receipt = Receipt.from_dict(answer)
        _acknowledge(node, [r.seq for r in receipt.operations])
        report.sent += len(run)
        report.batches += 1
        report.wire_bytes += len(wire)
        for r in receipt.operations:
            report.outcomes[r.outcome.value] += 1
            if r.conflict_id is not None:
                report.conflicts.append((r.seq, r.code, r.message))
        progress(report.sent, len(todo))
    return report


def _hand_over_diverging(node: Node, link: CentralLink) -> None:
    """B2, SPEC 9: a node restored from an old backup stops, but what staff did on it since the
    restore was confirmed to them. Its unsent operations go to central once, in one batch: central
    answers the ones it already holds as duplicates, quarantines the node at the first that differs
    and keeps that one and the rest, unapplied, in a `restored_node` conflict for an admin. Nothing
    is marked sent here; if central cannot be reached, the next sync tries again."""
    with reading(node.conn):
        todo = outbox.pending(node.conn, 0, limit=10**9)
    if not todo:
        return
    batch = Batch(node.node_id, node.epoch, todo[0].seq, todo[-1].seq, tuple(todo))
    with suppress(SyncFailed):
        link.call("POST", "/sync/v1/batches", batch.encode())


def _merge(first: PushReport, second: PushReport) -> PushReport:
    second.sent += first.sent
    second.batches += first.batches
    second.wire_bytes += first.wire_bytes
    second.outcomes.update(first.outcomes)
    second.conflicts = first.conflicts + second.conflicts
    return second
