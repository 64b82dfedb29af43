"""What `bookmobile status` reports: is the van ready to work, and how much waits for sync."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from bookmobile.node import Node
from bookmobile.store import meta, outbox
from bookmobile.store.connection import reading
from bookmobile.store.local_view import card_blocks, highest_allocated, stop_name
from bookmobile.store.schema import schema_version
from bookmobile.store.snapshot_tables import snapshot_info
from sync_protocol.codec import decode_instant


@dataclass(frozen=True)
class NodeStatus:
    node_id: str
    epoch: int
    schema_version: int
    pending_operations: int
    total_operations: int
    oldest_pending_at: datetime | None
    last_sync_at: datetime | None
    snapshot_generated_at: datetime | None
    snapshot_age: timedelta | None
    current_stop: str | None
    current_stop_name: str | None
    clock_offset_ms: int | None
    card_numbers_left: int
    clock_behind_snapshot: bool  # disagreement 8: the laptop's clock is before central's snapshot time


def node_status(node: Node) -> NodeStatus:
    now = node.clock.now()
    with reading(node.conn) as conn:
        counts = outbox.counts(conn)
        info = snapshot_info(conn)
        stop = meta.get(conn, meta.CURRENT_STOP)
        last_sync = meta.get(conn, meta.LAST_SYNC_AT)
        offset = meta.get(conn, meta.CLOCK_OFFSET_MS)
        left = _card_numbers_left(node)
        return NodeStatus(
            node_id=node.node_id,
            epoch=node.epoch,
            schema_version=schema_version(conn),
            pending_operations=counts.pending,
            total_operations=counts.total,
            oldest_pending_at=counts.oldest_pending_at,
            last_sync_at=decode_instant(last_sync) if last_sync else None,
            snapshot_generated_at=info.generated_at if info else None,
            snapshot_age=now - info.generated_at if info else None,
            current_stop=stop,
            current_stop_name=stop_name(conn, stop) if stop else None,
            clock_offset_ms=int(offset) if offset is not None else None,
            card_numbers_left=left,
            clock_behind_snapshot=info is not None and now < info.generated_at,
        )


def _card_numbers_left(node: Node) -> int:
    left = 0
    for block in card_blocks(node.conn):
        highest = highest_allocated(node.conn, block)
        used = 0 if highest is None else int(highest) - int(block.first) + 1
        left += block.size - used
    return left
