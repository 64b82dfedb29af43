"""Taking copies back at the van, and saying when a hold waits for them (SPEC disagreement 12).

A patron handing a book back must never be turned away: a well-formed barcode is recorded even
when the van's view does not show it on loan (disagreement 5: central may know a loan the
snapshot predates) or does not list it at all (disagreement 7); staff are told, and central
sorts it out. Only a second scan of a copy the van itself already took back is refused.
"""

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from bookmobile.clock import today
from bookmobile.desk.recording import record
from bookmobile.desk.scanning import read_barcode
from bookmobile.errors import NotOnLoan
from bookmobile.node import Node
from bookmobile.store import local_changes
from bookmobile.store.connection import write_transaction
from bookmobile.store.local_view import ItemView, find_item
from sync_protocol.due_dates import days_overdue
from sync_protocol.operations import Return
from sync_protocol.snapshot import ItemState


class ReturnNote(StrEnum):
    """What staff should know about a copy just taken back."""

    NONE = "none"
    HOLD_WAITING = "hold_waiting"  # put it aside for central's hold, not back on the van's shelf
    NO_LOAN_RECORD = "no_loan_record"  # the van's view did not show it on loan
    NOT_CARRIED = "not_carried"  # not in the van's item list


@dataclass(frozen=True)
class ReturnLine:
    seq: int
    barcode: str
    title: str | None
    note: ReturnNote
    days_overdue: int = 0


def take_back(node: Node, barcode_raw: str) -> ReturnLine:
    """Record the return of one copy; the commit is durable when this returns."""
    barcode = read_barcode(node.conn, barcode_raw)
    with write_transaction(node.conn):
        node.snapshot()
        item = find_item(node.conn, barcode)
        if item is None:
            op = record(node, Return(barcode))
            return ReturnLine(op.seq, barcode, None, ReturnNote.NOT_CARRIED)
        if item.status is not ItemState.ON_LOAN:
            return _return_without_loan(node, item)
        hold_waiting = item.hold_id is not None or item.holds_waiting > 0
        op = record(node, Return(barcode, hold_waiting=hold_waiting))
        new_status = ItemState.IN_TRANSIT if hold_waiting else ItemState.AVAILABLE
        local_changes.set_item_state(node.conn, op.seq, barcode, new_status)
        if item.borrower_card is not None:
            local_changes.add_loan(node.conn, op.seq, item.borrower_card, -1)
        late = days_overdue(item.due_date, today(node.clock)) if item.due_date else 0
        note = ReturnNote.HOLD_WAITING if hold_waiting else ReturnNote.NONE
    return ReturnLine(op.seq, barcode, item.title, note, late)


def _return_without_loan(node: Node, item: ItemView) -> ReturnLine:
    """A copy the van does not see on loan: a double scan is refused, anything else recorded."""
    if item.status is not ItemState.AVAILABLE or _changed_here(node.conn, item.barcode):
        raise NotOnLoan(barcode=item.barcode)
    op = record(node, Return(item.barcode))
    return ReturnLine(op.seq, item.barcode, item.title, ReturnNote.NO_LOAN_RECORD)


def _changed_here(conn: sqlite3.Connection, barcode: str) -> bool:
    return conn.execute("SELECT 1 FROM local_item WHERE barcode = ?", (barcode,)).fetchone() is not None
