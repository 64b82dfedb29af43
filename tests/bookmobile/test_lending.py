"""Lending and hand-over at the van (B1, R14), checked against the snapshot."""

import hashlib
import json

import pytest

from bookmobile.desk.lending import hand_over, lend
from bookmobile.desk.setup import load_snapshot, set_stop
from bookmobile.errors import (
    AlreadyLentToPatron,
    CardWhereItemExpected,
    HoldAtOtherStop,
    HoldForOther,
    HoldNotFound,
    HoldShelfForOther,
    ItemNotLendable,
    ItemOnLoan,
    ItemWhereCardExpected,
    MalformedBarcode,
    MalformedCard,
    NoStop,
    OverLimit,
    PatronBlocked,
    UnknownCard,
    UnknownItem,
)
from bookmobile.node import Node, init_node
from bookmobile.store.local_view import find_item, find_patron
from sync_protocol.snapshot import ItemState
from tests.bookmobile.builders import (
    BLOCKED,
    FULL,
    HANAKO,
    NODE_ID,
    OTHER_STOP,
    TARO,
    make_settings,
    make_snapshot,
)


def outbox(node: Node) -> list[dict]:
    return [json.loads(body) for (body,) in node.conn.execute("SELECT body FROM outbox ORDER BY seq")]


def test_b1_lend_records_the_operation_and_the_local_view(node: Node) -> None:
    line = lend(node, TARO, "B0001")
    assert str(line.due_date) == "2025-06-18"  # 14 days, an open Wednesday
    [op] = outbox(node)
    assert op["type"] == "lend" and op["payload"]["card_number"] == TARO and op["stop"] == "S01"
    assert op["node_id"] == "van-1" and op["epoch"] == 1 and op["seq"] == 1
    item = find_item(node.conn, "B0001")
    assert item is not None and item.status is ItemState.ON_LOAN and item.borrower_card == TARO
    patron = find_patron(node.conn, TARO)
    assert patron is not None and patron.open_loans == 1


def test_due_date_moves_off_a_closed_day(node: Node, clock) -> None:
    clock.advance(days=5)  # Monday + 14 = Monday, closed: due Tuesday
    assert str(lend(node, TARO, "B0001").due_date) == "2025-06-24"


def test_full_width_card_and_lower_case_barcode_are_normalised(node: Node) -> None:
    line = lend(node, "１０００－０００－００１", " ｂ０００１ ")
    assert line.card_number == TARO and line.barcode == "B0001"


def test_r14_shelf_copy_targeted_by_a_hold_goes_to_the_walk_in(node: Node) -> None:
    line = lend(node, TARO, "B0003")
    assert line.bypassed_hold
    assert outbox(node)[0]["payload"]["bypassed_hold_id"] == 70


def test_hold_shelf_copy_is_refused_to_someone_else(node: Node) -> None:
    with pytest.raises(HoldShelfForOther):
        lend(node, TARO, "B0008")
    assert outbox(node) == []


def test_hold_shelf_copy_lent_to_its_patron_is_a_hand_over(node: Node) -> None:
    line = lend(node, HANAKO, "B0008")
    assert line.hold_handed_over
    [op] = outbox(node)
    assert op["type"] == "hand_over_hold" and op["payload"]["hold_id"] == 71


def test_hand_over_a_hold_sent_to_this_stop(node: Node) -> None:
    hand_over(node, HANAKO, "B0008")
    with pytest.raises(HoldNotFound):
        hand_over(node, HANAKO, "B0008")
    assert [op["type"] for op in outbox(node)] == ["hand_over_hold"]


def test_hand_over_refused_to_another_patron_and_at_another_stop(node: Node) -> None:
    with pytest.raises(HoldForOther):
        hand_over(node, TARO, "B0008")
    with pytest.raises(HoldAtOtherStop, match="真志喜"):
        hand_over(node, TARO, "B0009")
    set_stop(node, OTHER_STOP)
    assert hand_over(node, TARO, "B0009").hold_handed_over
    with pytest.raises(HoldNotFound):
        hand_over(node, TARO, "B0001")


def test_disagreement_3_blocked_patron_is_refused(node: Node) -> None:
    with pytest.raises(PatronBlocked) as caught:
        lend(node, BLOCKED, "B0001")
    assert "貸出停止" in caught.value.message("ja")


def test_over_the_loan_limit_is_refused(node: Node) -> None:
    with pytest.raises(OverLimit):
        lend(node, FULL, "B0001")


def test_loan_limit_counts_the_vans_own_loans(node: Node) -> None:
    for n in range(1, 11):
        lend(node, TARO, f"C{n:04d}")
    with pytest.raises(OverLimit, match="10"):
        lend(node, TARO, "C0011")


def test_disagreement_7_unknown_card_and_unknown_item(node: Node) -> None:
    with pytest.raises(UnknownCard):
        lend(node, "9999999999", "B0001")
    with pytest.raises(UnknownItem):
        lend(node, TARO, "X9999")


def test_malformed_card_and_barcode(node: Node) -> None:
    with pytest.raises(MalformedCard):
        lend(node, "12ab", "B0001")
    with pytest.raises(MalformedBarcode):
        lend(node, TARO, "??")


def test_card_scanned_where_an_item_was_expected(node: Node) -> None:
    with pytest.raises(CardWhereItemExpected) as caught:
        lend(node, TARO, HANAKO)
    assert "利用者カード" in caught.value.message("ja")


def test_item_scanned_where_a_card_was_expected(node: Node) -> None:
    with pytest.raises(ItemWhereCardExpected):
        lend(node, "B0001", "B0002")


def test_disagreement_1_copy_on_loan_is_refused_until_checked_in(node: Node) -> None:
    with pytest.raises(ItemOnLoan):
        lend(node, TARO, "B0004")
    with pytest.raises(AlreadyLentToPatron):
        lend(node, HANAKO, "B0004")
    with pytest.raises(ItemNotLendable):
        lend(node, TARO, "B0011")


def test_refusals_leave_nothing_in_the_outbox(node: Node) -> None:
    for card, barcode in [(BLOCKED, "B0001"), (TARO, "B0008"), (TARO, "B0004"), (FULL, "B0002")]:
        with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is what stays behind
            lend(node, card, barcode)
    assert outbox(node) == []
    assert node.conn.execute("SELECT COUNT(*) FROM local_item").fetchone()[0] == 0


def test_no_stop_set_means_nothing_is_recorded(tmp_path) -> None:
    with init_node(make_settings(tmp_path), NODE_ID) as fresh:
        load_snapshot(fresh, make_snapshot())
        with pytest.raises(NoStop):
            lend(fresh, TARO, "B0001")
        assert fresh.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_outbox_body_is_what_its_checksum_covers(node: Node) -> None:
    lend(node, TARO, "B0001")
    body, digest = node.conn.execute("SELECT body, sha256 FROM outbox").fetchone()
    assert hashlib.sha256(body.encode()).hexdigest() == digest
