"""The van's view of patrons, items and holds: the snapshot with the van's own changes on top.

Reads combine `snap_*` (central's state when the snapshot was made) with `local_*` (what the van
did since). Writes only touch `local_*`, each row tagged with the outbox sequence of the
operation that made it, so a later snapshot that reflects that operation can drop it.
"""

import sqlite3
from dataclasses import dataclass
from datetime import date

from sync_protocol.snapshot import CardNumberBlock, ItemState


@dataclass(frozen=True)
class PatronView:
    card_number: str
    name: str
    name_reading: str
    blocked: bool
    open_loans: int
    has_internet_account: bool
    internet_eligible_from: date


@dataclass(frozen=True)
class ItemView:
    barcode: str
    bib_id: int
    title: str
    status: ItemState
    due_date: date | None
    borrower_card: str | None
    renewal_count: int
    hold_id: int | None  # an open hold this copy is caught for or targeted by
    holds_waiting: int  # holds at central waiting for any copy of the title


@dataclass(frozen=True)
class HoldView:
    hold_id: int
    card_number: str
    barcode: str
    title: str
    stop_code: str
    pickup_deadline: date | None
    handed_over: bool


_PATRON_SQL = """
SELECT k.card, COALESCE(l.name, s.name), COALESCE(l.name_reading, s.name_reading), COALESCE(s.blocked, 0),
       COALESCE(s.open_loans, 0) + (SELECT COALESCE(SUM(delta), 0) FROM local_loan_delta WHERE card_number = k.card),
       COALESCE(l.has_internet_account, s.has_internet_account, 0),
       COALESCE(l.internet_eligible_from, s.internet_eligible_from)
FROM (SELECT ? AS card) AS k
LEFT JOIN snap_patron AS s ON s.card_number = k.card
LEFT JOIN local_patron AS l ON l.card_number = k.card
WHERE s.card_number IS NOT NULL OR l.card_number IS NOT NULL
"""

_ITEM_SQL = """
SELECT s.barcode, s.bib_id, t.title, COALESCE(l.status, s.status),
       CASE WHEN l.barcode IS NULL THEN s.due_date ELSE l.due_date END,
       CASE WHEN l.barcode IS NULL THEN s.borrower_card ELSE l.borrower_card END,
       COALESCE(l.renewal_count, s.renewal_count),
       CASE WHEN s.hold_id IN (SELECT hold_id FROM local_hold_done) THEN NULL ELSE s.hold_id END,
       t.holds_waiting
FROM snap_item AS s
JOIN snap_title AS t ON t.bib_id = s.bib_id
LEFT JOIN local_item AS l ON l.barcode = s.barcode
WHERE s.barcode = ?
"""


def find_patron(conn: sqlite3.Connection, card_number: str) -> PatronView | None:
    row = conn.execute(_PATRON_SQL, (card_number,)).fetchone()
    if row is None:
        return None
    return PatronView(row[0], row[1], row[2], bool(row[3]), row[4], bool(row[5]), date.fromisoformat(row[6]))


def find_item(conn: sqlite3.Connection, barcode: str) -> ItemView | None:
    row = conn.execute(_ITEM_SQL, (barcode,)).fetchone()
    if row is None:
        return None
    return ItemView(
        barcode=row[0],
        bib_id=row[1],
        title=row[2],
        status=ItemState(row[3]),
        due_date=_day(row[4]),
        borrower_card=row[5],
        renewal_count=row[6],
        hold_id=row[7],
        holds_waiting=row[8],
    )


def hold_for_barcode(conn: sqlite3.Connection, barcode: str) -> HoldView | None:
    """The hold a copy on the van's hold shelf is caught for, if any."""
    holds = _holds(conn, "h.barcode = ?", (barcode,))
    return holds[0] if holds else None


# A hold's copy travels on the van: central said so, or the van loaded it since (docs/routes.md).
_ON_VAN = "(h.state = 'on_van' OR h.hold_id IN (SELECT hold_id FROM local_hold_loaded))"


def holds_at_stop(conn: sqlite3.Connection, stop_code: str | None) -> list[HoldView]:
    """Holds whose copy is on the van, to hand over at `stop_code` (every stop when None),
    handed-over ones included."""
    if stop_code is None:
        return _holds(conn, _ON_VAN, ())
    return _holds(conn, f"{_ON_VAN} AND h.stop_code = ?", (stop_code,))


def _holds(conn: sqlite3.Connection, where: str, params: tuple[str, ...]) -> list[HoldView]:
    rows = conn.execute(
        "SELECT h.hold_id, h.card_number, h.barcode, t.title, h.stop_code, h.pickup_deadline, d.hold_id IS NOT NULL"
        " FROM snap_hold AS h JOIN snap_title AS t ON t.bib_id = h.bib_id"
        f" LEFT JOIN local_hold_done AS d ON d.hold_id = h.hold_id WHERE {where} ORDER BY h.stop_code, h.hold_id",
        params,
    ).fetchall()
    return [HoldView(r[0], r[1], r[2], r[3], r[4], _day(r[5]), bool(r[6])) for r in rows]


def stop_name(conn: sqlite3.Connection, code: str) -> str | None:
    row = conn.execute("SELECT name FROM snap_stop WHERE code = ?", (code,)).fetchone()
    return None if row is None else row[0]


def card_blocks(conn: sqlite3.Connection) -> list[CardNumberBlock]:
    return [CardNumberBlock(f, last) for f, last in conn.execute("SELECT first, last FROM snap_card_block ORDER BY 1")]


def highest_allocated(conn: sqlite3.Connection, block: CardNumberBlock) -> str | None:
    """The highest number of `block` the van has given out (numbers are handed out in order)."""
    row = conn.execute(
        "SELECT MAX(card_number) FROM card_allocation WHERE card_number BETWEEN ? AND ? AND length(card_number) = ?",
        (block.first, block.last, len(block.first)),
    ).fetchone()
    return row[0]


def card_in_roster(conn: sqlite3.Connection, card_number: str) -> bool:
    """True when the number belongs to a patron the van knows (from the snapshot or registered here)."""
    return (
        conn.execute(
            "SELECT 1 FROM snap_patron WHERE card_number = ?"
            " UNION ALL SELECT 1 FROM local_patron WHERE card_number = ?",
            (card_number, card_number),
        ).fetchone()
        is not None
    )


def barcode_carried(conn: sqlite3.Connection, barcode: str) -> bool:
    return conn.execute("SELECT 1 FROM snap_item WHERE barcode = ?", (barcode,)).fetchone() is not None


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
