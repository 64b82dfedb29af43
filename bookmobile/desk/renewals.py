"""R9 renewals at the van, checked against the snapshot.

The van cannot see holds placed at central since its snapshot, so central evaluates R9 again
when the operation arrives (SPEC disagreement 4); the van records what it decided and why.
"""

from dataclasses import dataclass
from datetime import date

from bookmobile.clock import today
from bookmobile.desk.patrons import check_not_blocked, require_patron
from bookmobile.desk.recording import record
from bookmobile.desk.scanning import read_barcode, read_card
from bookmobile.errors import NotBorrower, NotOnLoan, RuleRefused, UnknownItem
from bookmobile.node import Node
from bookmobile.store import local_changes
from bookmobile.store.connection import write_transaction
from bookmobile.store.local_view import find_item
from sync_protocol.operations import Renew
from sync_protocol.renewal import check_renewal
from sync_protocol.snapshot import ItemState


@dataclass(frozen=True)
class RenewLine:
    seq: int
    card_number: str
    patron_name: str
    barcode: str
    title: str
    previous_due: date
    new_due: date


def renew(node: Node, barcode_raw: str, card_raw: str | None = None) -> RenewLine:
    """Renew one loan under R9; `card_raw`, when given, must be the borrower's card."""
    card = read_card(node.conn, card_raw) if card_raw is not None else None
    barcode = read_barcode(node.conn, barcode_raw)
    with write_transaction(node.conn):
        policy = node.snapshot().policy
        item = find_item(node.conn, barcode)
        if item is None:
            raise UnknownItem(barcode=barcode)
        if item.status is not ItemState.ON_LOAN or item.due_date is None:
            raise NotOnLoan(barcode=barcode)
        borrower = item.borrower_card or card
        if borrower is None or (card is not None and card != borrower):
            raise NotBorrower(barcode=barcode)
        patron = require_patron(node, borrower)
        check_not_blocked(patron)
        holds_waiting = item.holds_waiting + (1 if item.hold_id is not None else 0)
        check = check_renewal(
            due=item.due_date,
            renewal_count=item.renewal_count,
            holds_waiting=holds_waiting,
            today=today(node.clock),
            policy=policy,
        )
        if check.refusal is not None:
            raise RuleRefused(check.refusal)
        new_due = check.new_due
        assert new_due is not None  # check_renewal gives a date whenever it does not refuse
        op = record(node, Renew(borrower, barcode, item.due_date, new_due))
        local_changes.set_item_state(
            node.conn,
            op.seq,
            barcode,
            ItemState.ON_LOAN,
            due_date=new_due,
            borrower_card=borrower,
            renewal_count=item.renewal_count + 1,
        )
    return RenewLine(op.seq, borrower, patron.name, barcode, item.title, item.due_date, new_due)
