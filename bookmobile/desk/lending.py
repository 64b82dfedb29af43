"""Lending at the van, and handing over holds sent to its stops (B1, R14).

R14: a copy on the shelf that a hold targets is lent to the patron standing at the counter; the
operation names the bypassed hold so central can retarget it to another copy. A copy on the hold
shelf is for its hold's patron only: lent to that patron it becomes a hand-over, anyone else is
refused.
"""

from dataclasses import dataclass
from datetime import date

from bookmobile.clock import today
from bookmobile.desk.patrons import check_may_borrow_another, require_patron
from bookmobile.desk.recording import current_stop, record
from bookmobile.desk.scanning import read_barcode, read_card
from bookmobile.errors import (
    AlreadyLentToPatron,
    HoldAtOtherStop,
    HoldForOther,
    HoldNotFound,
    HoldShelfForOther,
    ItemNotLendable,
    ItemOnLoan,
    ItemSetAside,
    UnknownItem,
)
from bookmobile.node import Node
from bookmobile.store import local_changes
from bookmobile.store.connection import write_transaction
from bookmobile.store.local_view import HoldView, ItemView, PatronView, find_item, hold_for_barcode, stop_name
from sync_protocol.due_dates import due_date_for_loan
from sync_protocol.operations import HandOverHold, Lend
from sync_protocol.snapshot import ItemState


@dataclass(frozen=True)
class LoanLine:
    """One copy that left with the patron: a line of the receipt."""

    seq: int
    card_number: str
    patron_name: str
    barcode: str
    title: str
    due_date: date
    hold_handed_over: bool = False
    bypassed_hold: bool = False


def lend(node: Node, card_raw: str, barcode_raw: str) -> LoanLine:
    """Lend one copy to the card holder; the commit is durable when this returns."""
    card = read_card(node.conn, card_raw)
    barcode = read_barcode(node.conn, barcode_raw)
    with write_transaction(node.conn):
        policy = node.snapshot().policy
        patron = require_patron(node, card)
        item = _require_item(node, barcode)
        if item.status is ItemState.ON_HOLD_SHELF:
            hold = hold_for_barcode(node.conn, barcode)
            if hold is None or hold.handed_over or hold.card_number != card:
                raise HoldShelfForOther(barcode=barcode)
            return _hand_over(node, patron, item, hold)
        check_may_borrow_another(patron, policy)
        _check_lendable(item, card)
        due = due_date_for_loan(today(node.clock), policy)
        bypassed = item.hold_id if item.status is ItemState.AVAILABLE else None
        op = record(node, Lend(card, barcode, due, bypassed_hold_id=bypassed))
        _mark_lent(node, op.seq, card, barcode, due)
    return LoanLine(op.seq, card, patron.name, barcode, item.title, due, bypassed_hold=bypassed is not None)


def hand_over(node: Node, card_raw: str, barcode_raw: str) -> LoanLine:
    """Hand a hold that was sent to this stop to the patron who placed it."""
    card = read_card(node.conn, card_raw)
    barcode = read_barcode(node.conn, barcode_raw)
    with write_transaction(node.conn):
        node.snapshot()
        patron = require_patron(node, card)
        item = _require_item(node, barcode)
        hold = hold_for_barcode(node.conn, barcode)
        if hold is None or hold.handed_over:
            raise HoldNotFound(barcode=barcode)
        if hold.card_number != card:
            raise HoldForOther(barcode=barcode)
        return _hand_over(node, patron, item, hold)


def _hand_over(node: Node, patron: PatronView, item: ItemView, hold: HoldView) -> LoanLine:
    """Inside the caller's transaction: the checks and the write of a hand-over."""
    policy = node.snapshot().policy
    if hold.stop_code != current_stop(node):
        raise HoldAtOtherStop(stop=stop_name(node.conn, hold.stop_code) or hold.stop_code)
    check_may_borrow_another(patron, policy)
    due = due_date_for_loan(today(node.clock), policy)
    op = record(node, HandOverHold(hold.hold_id, patron.card_number, item.barcode, due))
    _mark_lent(node, op.seq, patron.card_number, item.barcode, due)
    local_changes.mark_hold_handed_over(node.conn, op.seq, hold.hold_id)
    return LoanLine(op.seq, patron.card_number, patron.name, item.barcode, item.title, due, hold_handed_over=True)


def _require_item(node: Node, barcode: str) -> ItemView:
    item = find_item(node.conn, barcode)
    if item is None:
        raise UnknownItem(barcode=barcode)
    return item


def _check_lendable(item: ItemView, card: str) -> None:
    if item.status is ItemState.ON_LOAN:
        if item.borrower_card == card:
            raise AlreadyLentToPatron(barcode=item.barcode, due=item.due_date)
        raise ItemOnLoan(barcode=item.barcode)
    if item.status is ItemState.IN_TRANSIT:
        raise ItemSetAside(barcode=item.barcode)
    if item.status is not ItemState.AVAILABLE:
        raise ItemNotLendable(barcode=item.barcode, status=item.status.value)


def _mark_lent(node: Node, seq: int, card: str, barcode: str, due: date) -> None:
    local_changes.set_item_state(node.conn, seq, barcode, ItemState.ON_LOAN, due_date=due, borrower_card=card)
    local_changes.add_loan(node.conn, seq, card, +1)
