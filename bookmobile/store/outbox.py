"""The outbox: every confirmed operation, in order, until central acknowledges it (B2, B3).

Append-only. The sequence number is taken inside the caller's write transaction, the same one
that changes the local view, so an operation and its effect are committed together or not at
all, and the numbers have no gaps (the schema's trigger refuses any other number). An entry is
never edited or deleted; only `sent_at` is set, once, when central has acknowledged it.
"""

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sync_protocol.codec import decode_instant, encode_instant
from sync_protocol.operations import Operation


@dataclass(frozen=True)
class OutboxCounts:
    """What `status` shows about the queue."""

    total: int
    pending: int
    oldest_pending_at: datetime | None


def next_seq(conn: sqlite3.Connection) -> int:
    """The next sequence number; call only inside the write transaction that appends it."""
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox").fetchone()[0])


def append(conn: sqlite3.Connection, op: Operation) -> None:
    """Store `op` as its canonical bytes and their checksum: exactly what will be sent."""
    body = op.canonical_bytes()
    conn.execute(
        "INSERT INTO outbox (seq, op_id, epoch, type, body, sha256, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (op.seq, op.op_id, op.epoch, op.type.value, body.decode("utf-8"), op.sha256(), encode_instant(op.wall_time)),
    )


def pending(conn: sqlite3.Connection, after_seq: int = 0, limit: int = 1000) -> list[Operation]:
    """Operations not yet acknowledged, in sequence order, from `after_seq` on."""
    rows = conn.execute(
        "SELECT body FROM outbox WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
    ).fetchall()
    return [Operation.from_dict(json.loads(body)) for (body,) in rows]


def mark_sent(conn: sqlite3.Connection, seqs: Iterable[int], acknowledged_at: datetime) -> int:
    """Record central's acknowledgement of `seqs`; entries already marked are left as they were."""
    at = encode_instant(acknowledged_at)
    cursor = conn.executemany(
        "UPDATE outbox SET sent_at = ? WHERE seq = ? AND sent_at IS NULL", ((at, seq) for seq in seqs)
    )
    return cursor.rowcount


def counts(conn: sqlite3.Connection) -> OutboxCounts:
    total, pending_count, oldest = conn.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE sent_at IS NULL), MIN(recorded_at) FILTER (WHERE sent_at IS NULL)"
        " FROM outbox"
    ).fetchone()
    return OutboxCounts(total, pending_count, decode_instant(oldest) if oldest else None)


def forget_acknowledged(conn: sqlite3.Connection, acknowledged_before: datetime) -> int:
    """Empty the bodies of operations central acknowledged before `acknowledged_before`.

    The library keeps no reading history, and a van's laptop can be stolen: once an operation is
    safely at central, the van has no reason to keep who borrowed what. Call inside a write
    transaction; returns how many operations were forgotten.
    """
    cursor = conn.execute(
        "UPDATE outbox SET body = '' WHERE sent_at IS NOT NULL AND sent_at < ? AND body <> ''",
        (encode_instant(acknowledged_before),),
    )
    return cursor.rowcount
