"""Writes to the van's local view, each tagged with the outbox sequence of the operation behind it.

Called only inside the write transaction that appends that operation to the outbox (B2).
"""

import sqlite3
from datetime import date

from sync_protocol.snapshot import ItemState


def set_item_state(
    conn: sqlite3.Connection,
    seq: int,
    barcode: str,
    status: ItemState,
    *,
    due_date: date | None = None,
    borrower_card: str | None = None,
    renewal_count: int = 0,
) -> None:
    """The copy's state after the van's latest action on it."""
    conn.execute(
        "INSERT OR REPLACE INTO local_item (barcode, status, due_date, borrower_card, renewal_count, seq)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (barcode, status.value, None if due_date is None else due_date.isoformat(), borrower_card, renewal_count, seq),
    )


def add_loan(conn: sqlite3.Connection, seq: int, card_number: str, delta: int) -> None:
    """One loan more (+1) or fewer (-1) for the patron, on top of the roster's count."""
    conn.execute("INSERT INTO local_loan_delta (seq, card_number, delta) VALUES (?, ?, ?)", (seq, card_number, delta))


def mark_hold_handed_over(conn: sqlite3.Connection, seq: int, hold_id: int) -> None:
    conn.execute("INSERT INTO local_hold_done (hold_id, seq) VALUES (?, ?)", (hold_id, seq))


def save_patron(
    conn: sqlite3.Connection,
    seq: int,
    card_number: str,
    *,
    name: str | None = None,
    name_reading: str | None = None,
    internet_eligible_from: date | None = None,
    has_internet_account: bool | None = None,
) -> None:
    """Record what the van changed about a patron; columns left None keep the snapshot's (or earlier) value."""
    conn.execute(
        "INSERT INTO local_patron (card_number, name, name_reading, internet_eligible_from, has_internet_account, seq)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (card_number) DO UPDATE SET"
        " name = COALESCE(excluded.name, name), name_reading = COALESCE(excluded.name_reading, name_reading),"
        " internet_eligible_from = COALESCE(excluded.internet_eligible_from, internet_eligible_from),"
        " has_internet_account = COALESCE(excluded.has_internet_account, has_internet_account), seq = excluded.seq",
        (
            card_number,
            name,
            name_reading,
            None if internet_eligible_from is None else internet_eligible_from.isoformat(),
            None if has_internet_account is None else int(has_internet_account),
            seq,
        ),
    )


def allocate_card(conn: sqlite3.Connection, seq: int, card_number: str) -> None:
    """A card number given out: never again, even after the snapshot that lists the patron arrives."""
    conn.execute("INSERT INTO card_allocation (card_number, seq) VALUES (?, ?)", (card_number, seq))
