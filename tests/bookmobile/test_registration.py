"""Registering patrons and the internet service on the van (R1-R5, R7, R12, B6 card blocks)."""

import json
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from bookmobile.desk.accounts import apply_internet_service, reissue_password
from bookmobile.desk.lending import lend
from bookmobile.desk.registration import change_email, register_patron
from bookmobile.errors import (
    AlreadyHasInternetAccount,
    CardBlockExhausted,
    InvalidField,
    NoInternetAccount,
    RuleRefused,
)
from bookmobile.node import Node
from bookmobile.receipts import password_receipt, receipt_header, registration_receipt
from bookmobile.store.local_view import find_patron
from sync_protocol.operations import IdDocumentKind
from sync_protocol.snapshot import CardNumberBlock, RosterEntry
from tests.bookmobile.builders import CHILD, HANAKO, TARO, FixedClock, SnapshotSpec, ready_node, roster
from tests.bookmobile.builders import new_patron_form as form

LICENCE = IdDocumentKind.DRIVING_LICENCE


def ops(node: Node) -> list[dict]:
    return [json.loads(body) for (body,) in node.conn.execute("SELECT body FROM outbox ORDER BY seq")]


def test_register_issues_the_first_card_number_of_the_block(node: Node) -> None:
    done = register_patron(node, form())
    assert done.card_number == "2000000000" and done.internet is None
    [op] = ops(node)
    assert op["type"] == "register_patron"
    assert op["payload"]["address"] == "宜野湾市野嵩1-2-3" and op["payload"]["phone"] == "098-892-0000"
    patron = find_patron(node.conn, done.card_number)
    assert patron is not None and patron.name == "比嘉 さくら" and patron.open_loans == 0


def test_a_patron_registered_on_the_van_can_borrow_at_once(node: Node) -> None:
    card = register_patron(node, form()).card_number
    assert lend(node, card, "B0001").card_number == card


def test_card_numbers_are_used_once_and_skip_numbers_the_roster_has(tmp_path: Path) -> None:
    taken = RosterEntry("2000000001", "既存", "キゾン", False, 0, False, date(2000, 4, 1))
    spec = SnapshotSpec(roster=[*roster(), taken], card_blocks=[CardNumberBlock("2000000000", "2000000002")])
    with ready_node(tmp_path, FixedClock(), spec) as node:
        assert register_patron(node, form()).card_number == "2000000000"
        assert register_patron(node, form(name="二人目")).card_number == "2000000002"
        with pytest.raises(CardBlockExhausted):
            register_patron(node, form(name="三人目"))
        assert len(ops(node)) == 2


def test_r1_r4_register_with_internet_stores_only_the_argon2_hash(node: Node) -> None:
    done = register_patron(node, form(), LICENCE)
    assert done.internet is not None
    password = done.internet.temporary_password
    register_op, apply_op = ops(node)
    assert apply_op["type"] == "apply_internet_service" and apply_op["seq"] == register_op["seq"] + 1
    assert apply_op["payload"]["id_document_kind"] == "driving_licence"
    assert PasswordHasher().verify(apply_op["payload"]["password_hash"], password)
    node.conn.execute("PRAGMA wal_checkpoint(FULL)")
    for path in node.settings.data_dir.iterdir():
        assert password.encode() not in path.read_bytes(), path


def test_r1_registration_with_internet_refused_for_an_elementary_pupil(node: Node) -> None:
    with pytest.raises(RuleRefused) as caught:
        register_patron(node, form(birth_date=date(2014, 4, 2)), LICENCE)
    assert caught.value.code == "not_eligible"
    assert ops(node) == []  # not even the card: staff decide again without --internet


def test_r1_boundary_born_april_first_is_eligible_in_the_junior_high_cohort(node: Node, clock: FixedClock) -> None:
    # On 2025-06-04 the youngest junior-high pupils were born on 2013-04-01 (SY 2025 - 12).
    assert register_patron(node, form(birth_date=date(2013, 4, 1)), LICENCE).internet is not None
    with pytest.raises(RuleRefused):
        register_patron(node, form(birth_date=date(2013, 4, 2)), LICENCE)


def test_r5_receipt_says_next_day_and_r6_change_it(node: Node) -> None:
    done = register_patron(node, form(), LICENCE)
    assert done.internet is not None
    receipt = registration_receipt(receipt_header(node), done, "ja")
    assert done.internet.temporary_password in receipt
    assert "翌日から" in receipt and "2025-06-05" in receipt and "変更" in receipt
    assert "2000000000" in receipt and "大山公民館" in receipt
    english = registration_receipt(receipt_header(node), done, "en")
    assert "day after" in english


def test_r2_r4_apply_with_an_existing_card(node: Node) -> None:
    issued = apply_internet_service(node, TARO, IdDocumentKind.HEALTH_INSURANCE)
    [op] = ops(node)
    assert op["payload"]["card_number"] == TARO and op["payload"]["id_document_kind"] == "health_insurance"
    assert PasswordHasher().verify(op["payload"]["password_hash"], issued.temporary_password)
    patron = find_patron(node.conn, TARO)
    assert patron is not None and patron.has_internet_account
    with pytest.raises(AlreadyHasInternetAccount):
        apply_internet_service(node, TARO, LICENCE)


def test_r1_apply_refused_before_the_eligible_day(node: Node) -> None:
    with pytest.raises(RuleRefused) as caught:
        apply_internet_service(node, CHILD, LICENCE)
    assert "中学生以上" in caught.value.message("ja")


def test_r7_reissue_gives_a_new_password_only_to_account_holders(node: Node) -> None:
    with pytest.raises(NoInternetAccount):
        reissue_password(node, TARO, LICENCE)
    first = reissue_password(node, HANAKO, LICENCE)
    second = reissue_password(node, HANAKO, LICENCE)
    assert first.temporary_password != second.temporary_password
    assert [op["type"] for op in ops(node)] == ["reissue_password", "reissue_password"]
    assert "再発行" in password_receipt(receipt_header(node), second, "ja")


def test_r12_registration_refuses_a_carrier_style_address(node: Node) -> None:
    with pytest.raises(RuleRefused) as caught:
        register_patron(node, form(email="sakura.@ezweb.ne.jp"))
    assert "RFC" in caught.value.message("ja")
    assert ops(node) == []


def test_r12_email_change_normalises_and_checks(node: Node) -> None:
    done = change_email(node, TARO, "ＴＡＲＯ@example.jp")
    assert done.email == "TARO@example.jp"
    with pytest.raises(RuleRefused, match="consecutive dots"):
        change_email(node, TARO, "taro..yamada@docomo.ne.jp")
    change_email(node, TARO, None)
    assert [op["payload"]["email"] for op in ops(node)] == ["TARO@example.jp", None]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "氏名"),
        ({"name_reading": "Sakura"}, "よみ"),
        ({"birth_date": date(2030, 1, 1)}, "生年月日"),
        ({"address": ""}, "住所"),
        ({"phone": "call me"}, "電話"),
    ],
)
def test_registration_form_names_the_field_to_correct(node: Node, changes: dict, field: str) -> None:
    with pytest.raises(InvalidField) as caught:
        register_patron(node, form(**changes))
    assert field in caught.value.message("ja")
