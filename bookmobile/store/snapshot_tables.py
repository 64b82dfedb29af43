"""Storing the snapshot from central, replacing the previous one as a whole.

The van's own changes live in separate `local_*` tables, so loading a snapshot never loses them.
Only the local changes the snapshot already reflects (their outbox sequence is at most the
snapshot's `node_applied_seq`) are dropped, because central's state now includes them.
"""

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from sync_protocol.codec import decode_instant, encode_instant, from_plain, to_plain
from sync_protocol.policy import CirculationPolicy
from sync_protocol.snapshot import (
    CardNumberBlock,
    CarriedItem,
    HoldState,
    HoldToHandOver,
    ItemState,
    RosterEntry,
    Snapshot,
    Stop,
    TitleEntry,
    Visit,
)

_SNAPSHOT_TABLES = (
    "snap_stop",
    "snap_card_block",
    "snap_title",
    "snap_item",
    "snap_hold",
    "snap_patron",
    "snap_visit",
)
_LOCAL_TABLES = ("local_patron", "local_item", "local_loan_delta", "local_hold_done", "local_hold_loaded")


@dataclass(frozen=True)
class SnapshotInfo:
    """The loaded snapshot's header: what `status` and the rules need."""

    node_id: str
    generated_at: datetime
    loaded_at: datetime
    cursor: int
    node_applied_seq: int
    library_name: str
    policy: CirculationPolicy


def replace_snapshot(conn: sqlite3.Connection, snapshot: Snapshot, loaded_at: datetime) -> None:
    """Swap in `snapshot`; call inside a write transaction."""
    for table in _SNAPSHOT_TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM snap_info")
    conn.execute(
        "INSERT INTO snap_info (id, node_id, generated_at, loaded_at, cursor, node_applied_seq, library_name,"
        " policy_json) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        (
            snapshot.node_id,
            encode_instant(snapshot.generated_at),
            encode_instant(loaded_at),
            snapshot.cursor,
            snapshot.node_applied_seq,
            snapshot.library_name,
            json.dumps(to_plain(snapshot.policy)),
        ),
    )
    _insert_rows(conn, snapshot)
    for table in _LOCAL_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE seq <= ?", (snapshot.node_applied_seq,))


def _insert_rows(conn: sqlite3.Connection, snapshot: Snapshot) -> None:
    conn.executemany("INSERT INTO snap_stop VALUES (?, ?)", ((s.code, s.name) for s in snapshot.stops))
    conn.executemany("INSERT INTO snap_card_block VALUES (?, ?)", ((b.first, b.last) for b in snapshot.card_blocks))
    conn.executemany(
        "INSERT INTO snap_title VALUES (?, ?, ?)", ((t.bib_id, t.title, t.holds_waiting) for t in snapshot.titles)
    )
    conn.executemany(
        "INSERT INTO snap_item VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (i.barcode, i.bib_id, i.status.value, _iso(i.due_date), i.borrower_card, i.renewal_count, i.hold_id)
            for i in snapshot.items
        ),
    )
    conn.executemany(
        "INSERT INTO snap_hold (hold_id, card_number, bib_id, barcode, stop_code, pickup_deadline, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (h.hold_id, h.card_number, h.bib_id, h.barcode, h.stop_code, _iso(h.pickup_deadline), h.state.value)
            for h in snapshot.holds
        ),
    )
    conn.executemany(
        "INSERT INTO snap_visit (stop_code, day, starts, ends, route_code, cancelled) VALUES (?, ?, ?, ?, ?, ?)",
        ((v.stop_code, v.day.isoformat(), v.starts, v.ends, v.route_code, int(v.cancelled)) for v in snapshot.visits),
    )
    conn.executemany(
        "INSERT INTO snap_patron VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                p.card_number,
                p.name,
                p.name_reading,
                int(p.blocked),
                p.open_loans,
                int(p.has_internet_account),
                p.internet_eligible_from.isoformat(),
            )
            for p in snapshot.roster
        ),
    )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def snapshot_info(conn: sqlite3.Connection) -> SnapshotInfo | None:
    """The loaded snapshot's header, or None before the first load."""
    row = conn.execute(
        "SELECT node_id, generated_at, loaded_at, cursor, node_applied_seq, library_name, policy_json"
        " FROM snap_info WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    return SnapshotInfo(
        node_id=row[0],
        generated_at=decode_instant(row[1]),
        loaded_at=decode_instant(row[2]),
        cursor=row[3],
        node_applied_seq=row[4],
        library_name=row[5],
        policy=from_plain(CirculationPolicy, json.loads(row[6])),
    )


def stops(conn: sqlite3.Connection) -> tuple[Stop, ...]:
    """The van's stops from the loaded snapshot, by code (none before the first load)."""
    return tuple(Stop(code, name) for code, name in conn.execute("SELECT code, name FROM snap_stop ORDER BY code"))


def read_snapshot(conn: sqlite3.Connection) -> Snapshot | None:
    """The stored snapshot as a value (to apply central's changes to it), or None before the first load."""
    info = snapshot_info(conn)
    if info is None:
        return None

    def day(text: str | None) -> date | None:
        return None if text is None else date.fromisoformat(text)

    return Snapshot(
        node_id=info.node_id,
        generated_at=info.generated_at,
        library_name=info.library_name,
        policy=info.policy,
        stops=stops(conn),
        card_blocks=tuple(
            CardNumberBlock(f, la) for f, la in conn.execute("SELECT first, last FROM snap_card_block ORDER BY first")
        ),
        titles=tuple(TitleEntry(*row) for row in conn.execute("SELECT * FROM snap_title ORDER BY bib_id")),
        items=tuple(
            CarriedItem(b, bib, ItemState(s), day(due), card, count, hold)
            for b, bib, s, due, card, count, hold in conn.execute("SELECT * FROM snap_item ORDER BY barcode")
        ),
        holds=tuple(
            HoldToHandOver(h, card, bib, barcode, stop, day(deadline), HoldState(state))
            for h, card, bib, barcode, stop, deadline, state in conn.execute(
                "SELECT hold_id, card_number, bib_id, barcode, stop_code, pickup_deadline, state"
                " FROM snap_hold ORDER BY hold_id"
            )
        ),
        roster=tuple(
            RosterEntry(c, n, r, bool(b), loans, bool(acc), date.fromisoformat(eligible))
            for c, n, r, b, loans, acc, eligible in conn.execute("SELECT * FROM snap_patron ORDER BY card_number")
        ),
        cursor=info.cursor,
        node_applied_seq=info.node_applied_seq,
        visits=tuple(
            Visit(stop, date.fromisoformat(d), starts, ends, route, bool(cancelled))
            for stop, d, starts, ends, route, cancelled in conn.execute(
                "SELECT stop_code, day, starts, ends, route_code, cancelled FROM snap_visit ORDER BY day, starts"
            )
        ),
    )
