"""Pulling central's changes (B6): apply them to the stored snapshot, check every scope's checksum,
and fall back to a full snapshot whenever the two sides do not agree."""

from dataclasses import dataclass

from bookmobile.node import Node
from bookmobile.store.connection import reading, write_transaction
from bookmobile.store.snapshot_tables import read_snapshot, replace_snapshot
from bookmobile.sync.transport import CentralLink
from sync_protocol.changes import Changes, ScopeChecksums, apply_changes
from sync_protocol.snapshot import Snapshot


@dataclass(frozen=True)
class PullReport:
    full: bool  # a full snapshot was loaded (first pull, or a checksum mismatch)
    changed: int  # entries inserted, replaced or deleted
    cursor: int


def _store(node: Node, snapshot: Snapshot) -> None:
    with write_transaction(node.conn):
        replace_snapshot(node.conn, snapshot, node.clock.now())


def full_pull(node: Node, link: CentralLink) -> PullReport:
    """Load a whole snapshot (first pull, or an explicit re-bootstrap)."""
    snapshot = Snapshot.from_dict(link.call("GET", "/sync/v1/snapshot"))
    _store(node, snapshot)
    return PullReport(True, len(snapshot.roster) + len(snapshot.items) + len(snapshot.holds), snapshot.cursor)


def pull(node: Node, link: CentralLink) -> PullReport:
    """Changes since the stored cursor; a full snapshot when there is none or a checksum differs."""
    with reading(node.conn):
        current = read_snapshot(node.conn)
    if current is None:
        return full_pull(node, link)
    changes = Changes.from_dict(link.call("GET", "/sync/v1/changes", params={"since": current.cursor}))
    updated = apply_changes(current, changes)
    if ScopeChecksums.of(updated) != changes.checksums:
        return full_pull(node, link)
    _store(node, updated)
    count = sum(
        len(part)
        for part in (
            changes.roster,
            changes.roster_deleted,
            changes.items,
            changes.items_deleted,
            changes.holds,
            changes.holds_deleted,
            changes.titles,
            changes.titles_deleted,
        )
    )
    return PullReport(False, count, changes.cursor)
