"""Recording an operation: the step every use case ends with, inside its write transaction."""

import uuid
from datetime import UTC

from bookmobile.errors import NoStop
from bookmobile.node import Node
from bookmobile.store import meta, outbox
from sync_protocol.hlc import Hlc, tick
from sync_protocol.operations import Operation, Payload


def current_stop(node: Node) -> str:
    """The stop operations are credited to; the van must say where it is before it works."""
    stop = meta.get(node.conn, meta.CURRENT_STOP)
    if stop is None:
        raise NoStop()
    return stop


def record(node: Node, payload: Payload) -> Operation:
    """Stamp `payload` (id, sequence, wall time, HLC, stop) and append it to the outbox.

    Must run inside the use case's write transaction: the sequence number and the HLC are taken
    under the write lock, so they are unique and ordered, and vanish with a rollback.
    """
    conn = node.conn
    stop = current_stop(node)
    now = node.clock.now().astimezone(UTC)
    last = meta.get(conn, meta.LAST_HLC)
    hlc = tick(Hlc.decode(last) if last else None, int(now.timestamp() * 1000))
    meta.put(conn, meta.LAST_HLC, hlc.encode())
    op = Operation(
        op_id=str(uuid.uuid4()),
        node_id=node.node_id,
        epoch=node.epoch,
        seq=outbox.next_seq(conn),
        wall_time=now,
        hlc=hlc.encode(),
        stop_code=stop,
        payload=payload,
    )
    outbox.append(conn, op)
    return op
