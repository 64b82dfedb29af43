"""Returns (disagreements 5, 7, 12) and R9 renewals at the van."""

import json

import pytest

from bookmobile.desk.lending import lend
from bookmobile.desk.renewals import renew
from bookmobile.desk.returns import ReturnNote, take_back
from bookmobile.errors import (
    CardWhereItemExpected,
    NotBorrower,
    NotOnLoan,
    PatronBlocked,
    RuleRefused,
    UnknownItem,
)
from bookmobile.node import Node
from bookmobile.store.local_view import find_item, find_patron
from sync_protocol.snapshot import CarriedItem, ItemState
from tests.bookmobile.builders import BLOCKED, HANAKO, TARO, FixedClock, SnapshotSpec, items, ready_node


def ops(node: Node) -> list[dict]:
    return [json.loads(body) for (body,) in node.conn.execute("SELECT body FROM outbox ORDER BY seq")]


def test_return_puts_the_copy_back_and_lowers_the_loan_count(node: Node) -> None:
    before = find_patron(node.conn, HANAKO)
    line = take_back(node, "B0005")
    assert line.note is ReturnNote.NONE and line.title == "銀河鉄道の夜"
    item = find_item(node.conn, "B0005")
    assert item is not None and item.status is ItemState.AVAILABLE and item.borrower_card is None
    after = find_patron(node.conn, HANAKO)
    assert before is not None and after is not None and after.open_loans == before.open_loans - 1
    assert ops(node)[0]["payload"] == {"barcode": "B0005", "hold_waiting": False}


def test_disagreement_12_return_says_a_hold_waits_for_the_copy(node: Node) -> None:
    line = take_back(node, "B0010")  # a hold at central targets this very copy
    assert line.note is ReturnNote.HOLD_WAITING
    item = find_item(node.conn, "B0010")
    assert item is not None and item.status is ItemState.IN_TRANSIT
    assert ops(node)[0]["payload"]["hold_waiting"] is True


def test_disagreement_12_return_says_a_hold_waits_for_the_title(node: Node) -> None:
    assert take_back(node, "B0004").note is ReturnNote.HOLD_WAITING


def test_overdue_return_tells_how_many_days(node: Node) -> None:
    assert take_back(node, "B0007").days_overdue == 3


def test_second_scan_of_a_returned_copy_is_refused(node: Node) -> None:
    take_back(node, "B0005")
    with pytest.raises(NotOnLoan):
        take_back(node, "B0005")
    assert len(ops(node)) == 1


def test_disagreement_5_return_of_a_copy_the_van_shows_on_the_shelf_is_recorded(node: Node) -> None:
    line = take_back(node, "B0001")
    assert line.note is ReturnNote.NO_LOAN_RECORD
    assert ops(node)[0]["type"] == "return"


def test_disagreement_7_return_of_a_copy_not_in_the_list_is_recorded(node: Node) -> None:
    line = take_back(node, "Z9999")
    assert line.note is ReturnNote.NOT_CARRIED and line.title is None
    assert ops(node)[0]["payload"]["barcode"] == "Z9999"


def test_return_refuses_a_card_scanned_instead_of_an_item(node: Node) -> None:
    with pytest.raises(CardWhereItemExpected):
        take_back(node, TARO)


def test_lend_return_lend_again(node: Node) -> None:
    lend(node, TARO, "B0001")
    take_back(node, "B0001")
    lend(node, HANAKO, "B0001")
    assert [op["type"] for op in ops(node)] == ["lend", "return", "lend"]
    assert [op["seq"] for op in ops(node)] == [1, 2, 3]


def test_r9_renewal_sets_due_to_renewal_day_plus_14(node: Node) -> None:
    line = renew(node, "B0005")
    assert str(line.previous_due) == "2025-06-10" and str(line.new_due) == "2025-06-18"
    assert ops(node)[0]["payload"]["new_due"] == "2025-06-18"


def test_r9_renewal_refused_when_already_renewed(node: Node) -> None:
    with pytest.raises(RuleRefused) as caught:
        renew(node, "B0006")
    assert caught.value.code == "renewal_already_renewed"


def test_r9_renewal_refused_when_renewed_on_the_van_before(node: Node) -> None:
    renew(node, "B0005")
    with pytest.raises(RuleRefused, match="already been renewed"):
        renew(node, "B0005")


def test_r9_renewal_refused_when_overdue(node: Node) -> None:
    with pytest.raises(RuleRefused) as caught:
        renew(node, "B0007")
    assert caught.value.code == "renewal_overdue"


def test_r9_renewal_refused_when_a_hold_waits_for_the_title(node: Node) -> None:
    with pytest.raises(RuleRefused) as caught:
        renew(node, "B0004")
    assert caught.value.code == "renewal_hold_waiting"
    assert "予約" in caught.value.message("ja")


def test_r9_renewal_refused_when_a_hold_targets_the_copy(node: Node) -> None:
    with pytest.raises(RuleRefused, match="waiting"):
        renew(node, "B0010")


def test_renewal_checks_the_borrower_when_a_card_is_given(node: Node) -> None:
    with pytest.raises(NotBorrower):
        renew(node, "B0005", TARO)
    assert renew(node, "B0005", HANAKO).card_number == HANAKO


def test_renewal_of_a_copy_not_on_loan_or_unknown(node: Node) -> None:
    with pytest.raises(NotOnLoan):
        renew(node, "B0001")
    with pytest.raises(UnknownItem):
        renew(node, "Z9999")


def test_disagreement_3_renewal_refused_for_a_blocked_patron(tmp_path) -> None:
    blocked_loan = CarriedItem("B0099", 1, ItemState.ON_LOAN, due_date=items()[3].due_date, borrower_card=BLOCKED)
    spec = SnapshotSpec(items=[*items(), blocked_loan])
    with ready_node(tmp_path, FixedClock(), spec) as node, pytest.raises(PatronBlocked):
        renew(node, "B0099")


def test_renewal_of_a_loan_made_on_the_van_today(node: Node) -> None:
    lend(node, TARO, "B0001")
    line = renew(node, "B0001")
    assert line.new_due == line.previous_due  # same day: +14 either way
    item = find_item(node.conn, "B0001")
    assert item is not None and item.renewal_count == 1
