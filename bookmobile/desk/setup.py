"""Setting the node up for the day: the snapshot from central and the current stop.

Until sync exists, a snapshot arrives as a JSON file in the `sync_protocol.snapshot` format.
Loading it replaces the previous snapshot in one transaction; the van's own changes since are
kept on top (see `bookmobile.store.snapshot_tables`).
"""

from dataclasses import dataclass
from pathlib import Path

from bookmobile.errors import SnapshotForOtherNode, SnapshotInvalid, UnknownStop
from bookmobile.node import Node
from bookmobile.store import meta
from bookmobile.store.connection import write_transaction
from bookmobile.store.local_view import stop_name
from bookmobile.store.snapshot_tables import replace_snapshot
from sync_protocol.codec import FormatError
from sync_protocol.normalize import nfkc
from sync_protocol.snapshot import Snapshot, Stop


@dataclass(frozen=True)
class LoadedSnapshot:
    patrons: int
    items: int
    holds: int
    stops: int


def read_snapshot_file(path: Path) -> Snapshot:
    """Parse a snapshot file, turning any defect into one clear error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotInvalid(problem=f"{path}: {exc.strerror}") from exc
    try:
        return Snapshot.from_json(raw)
    except (FormatError, ValueError) as exc:
        raise SnapshotInvalid(problem=str(exc)) from exc


def load_snapshot(node: Node, snapshot: Snapshot) -> LoadedSnapshot:
    """Replace the node's snapshot; a stop that no longer exists is forgotten."""
    if snapshot.node_id != node.node_id:
        raise SnapshotForOtherNode(theirs=snapshot.node_id, ours=node.node_id)
    with write_transaction(node.conn):
        replace_snapshot(node.conn, snapshot, node.clock.now())
        stop = meta.get(node.conn, meta.CURRENT_STOP)
        if stop is not None and stop_name(node.conn, stop) is None:
            meta.delete(node.conn, meta.CURRENT_STOP)
    return LoadedSnapshot(len(snapshot.roster), len(snapshot.items), len(snapshot.holds), len(snapshot.stops))


def set_stop(node: Node, code: str) -> Stop:
    """Make `code` the stop new operations are credited to; returns the stop as stored (its code
    normalised, and its name)."""
    code = nfkc(code)
    with write_transaction(node.conn):
        node.snapshot()
        name = stop_name(node.conn, code)
        if name is None:
            raise UnknownStop(code=code)
        meta.put(node.conn, meta.CURRENT_STOP, code)
    return Stop(code, name)
