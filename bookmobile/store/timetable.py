"""The van's timetable and its stop holds as pulled from central, with what the van did since.

Visits come whole with every pull (`snap_visit`). A hold for one of the van's stops is on the van
when central said so or the van loaded its copy since (`local_hold_loaded`), and handed over once
the van did (`local_hold_done`); otherwise it is still to be loaded, or waits for a copy.
"""

import sqlite3
from dataclasses import dataclass
from datetime import date

from sync_protocol.snapshot import HoldState


@dataclass(frozen=True)
class VisitView:
    """A visit of the van's timetable, with its stop's name."""

    stop_code: str
    stop_name: str
    day: date
    starts: str
    ends: str
    route_code: str
    cancelled: bool


@dataclass(frozen=True)
class StopHold:
    """A hold for one of the van's stops, where its copy is now (as the van knows it)."""

    hold_id: int
    card_number: str
    barcode: str
    title: str
    stop_code: str
    stop_name: str
    state: HoldState
    pickup_deadline: date | None
    handed_over: bool


_VISITS = (
    "SELECT v.stop_code, COALESCE(s.name, v.stop_code), v.day, v.starts, v.ends, v.route_code, v.cancelled"
    " FROM snap_visit AS v LEFT JOIN snap_stop AS s ON s.code = v.stop_code"
)


def _visit(row: tuple[str, str, str, str, str, str, int]) -> VisitView:
    return VisitView(row[0], row[1], date.fromisoformat(row[2]), row[3], row[4], row[5], bool(row[6]))


def visits_on(conn: sqlite3.Connection, day: date) -> list[VisitView]:
    """The day's visits in the order the van drives them (cancelled ones included, marked)."""
    rows = conn.execute(f"{_VISITS} WHERE v.day = ? ORDER BY v.starts, v.stop_code", (day.isoformat(),))
    return [_visit(row) for row in rows]


def next_visit(conn: sqlite3.Connection, stop_code: str, on_or_after: date) -> VisitView | None:
    """The first visit to `stop_code` from `on_or_after` on that is not cancelled."""
    row = conn.execute(
        f"{_VISITS} WHERE v.stop_code = ? AND v.day >= ? AND v.cancelled = 0 ORDER BY v.day, v.starts LIMIT 1",
        (stop_code, on_or_after.isoformat()),
    ).fetchone()
    return None if row is None else _visit(row)


def next_driving_day(conn: sqlite3.Connection, on_or_after: date) -> date | None:
    """The first day from `on_or_after` on with a visit that is not cancelled."""
    row = conn.execute(
        "SELECT MIN(day) FROM snap_visit WHERE day >= ? AND cancelled = 0", (on_or_after.isoformat(),)
    ).fetchone()
    return None if row[0] is None else date.fromisoformat(row[0])


_HOLDS = """
SELECT h.hold_id, h.card_number, h.barcode, COALESCE(t.title, ''), h.stop_code, COALESCE(s.name, h.stop_code),
       CASE WHEN l.hold_id IS NOT NULL THEN 'on_van' ELSE h.state END, h.pickup_deadline, d.hold_id IS NOT NULL
FROM snap_hold AS h
LEFT JOIN snap_title AS t ON t.bib_id = h.bib_id
LEFT JOIN snap_stop AS s ON s.code = h.stop_code
LEFT JOIN local_hold_loaded AS l ON l.hold_id = h.hold_id
LEFT JOIN local_hold_done AS d ON d.hold_id = h.hold_id
"""


def _hold(row: tuple[object, ...]) -> StopHold:
    deadline = row[7]
    return StopHold(
        hold_id=int(row[0]),  # type: ignore[call-overload]
        card_number=str(row[1]),
        barcode=str(row[2]),
        title=str(row[3]),
        stop_code=str(row[4]),
        stop_name=str(row[5]),
        state=HoldState(row[6]),
        pickup_deadline=date.fromisoformat(str(deadline)) if deadline else None,
        handed_over=bool(row[8]),
    )


def holds_of_card(conn: sqlite3.Connection, card_number: str) -> list[StopHold]:
    """Every hold of the patron for one of the van's stops, wherever its copy is."""
    rows = conn.execute(f"{_HOLDS} WHERE h.card_number = ? ORDER BY h.hold_id", (card_number,))
    return [_hold(row) for row in rows]


def holds_to_load(conn: sqlite3.Connection) -> list[StopHold]:
    """Copies caught for holds at the van's stops that wait at the main library to be loaded."""
    rows = conn.execute(
        f"{_HOLDS} WHERE h.state = 'to_load' AND l.hold_id IS NULL AND d.hold_id IS NULL"
        " ORDER BY h.stop_code, h.hold_id"
    )
    return [_hold(row) for row in rows]


def stop_hold_for_barcode(conn: sqlite3.Connection, barcode: str) -> StopHold | None:
    """The open hold a scanned copy is caught for, if it is one of the van's stop holds."""
    row = conn.execute(f"{_HOLDS} WHERE h.barcode = ? AND d.hold_id IS NULL", (barcode,)).fetchone()
    return None if row is None else _hold(row)


def mark_loaded(conn: sqlite3.Connection, seq: int, hold_id: int) -> None:
    """The van loaded the hold's copy (outbox entry `seq`); call inside its write transaction."""
    conn.execute("INSERT INTO local_hold_loaded (hold_id, seq) VALUES (?, ?)", (hold_id, seq))
