"""The node as the desk uses it: its open database, identity, clock and settings.

Opening checks the schema (migrating forward) and the identity, so every use case starts from a
node that is known to be initialised.
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC

from bookmobile.clock import Clock, SystemClock
from bookmobile.errors import AlreadyInitialised, InvalidField, NoSnapshot, NotInitialised
from bookmobile.settings import Settings
from bookmobile.store import meta
from bookmobile.store.connection import connect, prepare_data_dir, reading, write_transaction
from bookmobile.store.schema import migrate
from bookmobile.store.snapshot_tables import SnapshotInfo, snapshot_info
from sync_protocol.codec import encode_instant
from sync_protocol.normalize import normalize_node_id


@dataclass
class Node:
    """An open node. Use it as a context manager, or call `close()`."""

    conn: sqlite3.Connection
    settings: Settings
    clock: Clock
    node_id: str
    epoch: int

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def snapshot(self) -> SnapshotInfo:
        """The loaded snapshot's header; refuses to work without one (the van needs its roster)."""
        info = snapshot_info(self.conn)
        if info is None:
            raise NoSnapshot()
        return info


def init_node(settings: Settings, node_id: str, clock: Clock | None = None, epoch: int = 1) -> Node:
    """Create the database for node `node_id` (normalised as central normalises it) in `epoch`
    (central gives a new epoch to a re-enrolled node)."""
    clock = clock or SystemClock()
    node_id = normalize_node_id(node_id)
    if not node_id:
        raise InvalidField(field_ja="端末ID", field_en="node id")
    prepare_data_dir(settings.data_dir)
    conn = connect(settings.database_path, settings.busy_timeout_ms, create=True)
    try:
        migrate(conn)
        with write_transaction(conn):
            existing = meta.get(conn, meta.NODE_ID)
            if existing is not None:
                raise AlreadyInitialised(node_id=existing)
            meta.put(conn, meta.NODE_ID, node_id)
            meta.put(conn, meta.EPOCH, str(epoch))
            meta.put(conn, meta.INITIALISED_AT, encode_instant(clock.now().astimezone(UTC)))
    except BaseException:
        conn.close()
        raise
    return Node(conn, settings, clock, node_id, epoch)


def open_node(settings: Settings, clock: Clock | None = None) -> Node:
    """Open an initialised node, migrating its schema forward if the program is newer."""
    conn = connect(settings.database_path, settings.busy_timeout_ms)
    try:
        migrate(conn)
        with reading(conn):
            node_id = meta.get(conn, meta.NODE_ID)
            epoch = meta.get(conn, meta.EPOCH)
        if node_id is None or epoch is None:
            raise NotInitialised(path=str(settings.database_path))
    except BaseException:
        conn.close()
        raise
    return Node(conn, settings, clock or SystemClock(), node_id, int(epoch))
