"""Downstream changes (B6): what changed for a node since its cursor, scope by scope.

A node keeps the last snapshot it was given and a cursor into central's change log. A pull
returns, per scope, the entries to insert or replace and the keys to delete, plus the checksum of
the whole scope as central now has it. The node applies the changes, computes the same checksum
over its copy, and asks for a full snapshot (re-bootstrap) when the two differ - so a missed or
doubled change can never leave it silently wrong.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_protocol.codec import canonical_json, from_plain, to_plain
from sync_protocol.policy import CirculationPolicy
from sync_protocol.snapshot import (
    CardNumberBlock,
    CarriedItem,
    HoldToHandOver,
    RosterEntry,
    Snapshot,
    Stop,
    TitleEntry,
    Visit,
)


def scope_checksum(entries: Iterable[Any]) -> str:
    """SHA-256 over a scope's entries in canonical order (sorted by their canonical bytes)."""
    digest = hashlib.sha256()
    for line in sorted(canonical_json(entry) for entry in entries):
        digest.update(line)
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class ScopeChecksums:
    roster: str
    titles: str
    items: str
    holds: str

    @classmethod
    def of(cls, snapshot: Snapshot) -> "ScopeChecksums":
        """The checksums of a snapshot's scopes, as both sides compute them."""
        return cls(
            roster=scope_checksum(snapshot.roster),
            titles=scope_checksum(snapshot.titles),
            items=scope_checksum(snapshot.items),
            holds=scope_checksum(snapshot.holds),
        )


@dataclass(frozen=True)
class Changes:
    """Changes for one node since `since`, up to `cursor`; the small scopes come whole."""

    node_id: str
    generated_at: datetime
    since: int
    cursor: int
    node_applied_seq: int
    roster: tuple[RosterEntry, ...]
    roster_deleted: tuple[str, ...]
    titles: tuple[TitleEntry, ...]
    titles_deleted: tuple[int, ...]
    items: tuple[CarriedItem, ...]
    items_deleted: tuple[str, ...]
    holds: tuple[HoldToHandOver, ...]
    holds_deleted: tuple[int, ...]
    policy: CirculationPolicy
    stops: tuple[Stop, ...]
    card_blocks: tuple[CardNumberBlock, ...]
    checksums: ScopeChecksums
    visits: tuple[Visit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Changes":
        return from_plain(cls, data)


def apply_changes(snapshot: Snapshot, changes: Changes) -> Snapshot:
    """The snapshot after `changes` (pure; the node stores the result and checks the checksums)."""

    def merge(old: tuple[Any, ...], new: tuple[Any, ...], deleted: tuple[Any, ...], key: str) -> tuple[Any, ...]:
        kept = {getattr(e, key): e for e in old if getattr(e, key) not in set(deleted)}
        kept.update({getattr(e, key): e for e in new})
        return tuple(kept[k] for k in sorted(kept))

    return Snapshot(
        node_id=snapshot.node_id,
        generated_at=changes.generated_at,
        library_name=snapshot.library_name,
        policy=changes.policy,
        stops=changes.stops,
        card_blocks=changes.card_blocks,
        titles=merge(snapshot.titles, changes.titles, changes.titles_deleted, "bib_id"),
        items=merge(snapshot.items, changes.items, changes.items_deleted, "barcode"),
        holds=merge(snapshot.holds, changes.holds, changes.holds_deleted, "hold_id"),
        roster=merge(snapshot.roster, changes.roster, changes.roster_deleted, "card_number"),
        cursor=changes.cursor,
        node_applied_seq=changes.node_applied_seq,
        visits=changes.visits,
    )
