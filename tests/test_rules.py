"""The shared rules in sync_protocol, at their boundaries (both the van and central evaluate these)."""

from datetime import date

import pytest

from sync_protocol.activation import Channel, activation_date
from sync_protocol.due_dates import due_date_for_loan, due_date_for_renewal
from sync_protocol.eligibility import (
    NOT_ELIGIBLE,
    check_internet_service_eligibility,
    is_eligible_for_internet_service,
    school_year,
)
from sync_protocol.email_address import CONSECUTIVE_DOTS, DOT_BEFORE_AT, MALFORMED, check_email
from sync_protocol.normalize import fold_for_search, normalize_barcode, normalize_card_number, normalize_password
from sync_protocol.passwords import generate_temporary_password, hash_password, verify_password
from sync_protocol.policy import Calendar, CirculationPolicy
from sync_protocol.renewal import ALREADY_RENEWED, HOLD_WAITING, OVERDUE, check_renewal


def test_r1_school_year_starts_on_april_first() -> None:
    assert school_year(date(2025, 3, 31)) == 2024
    assert school_year(date(2025, 4, 1)) == 2025


def test_r1_born_april_first_is_eligible_born_april_second_is_not() -> None:
    on = date(2025, 4, 1)
    assert is_eligible_for_internet_service(date(2013, 4, 1), on)
    assert not is_eligible_for_internet_service(date(2013, 4, 2), on)


def test_r1_born_april_second_becomes_eligible_a_school_year_later() -> None:
    assert not is_eligible_for_internet_service(date(2013, 4, 2), date(2026, 3, 31))
    assert is_eligible_for_internet_service(date(2013, 4, 2), date(2026, 4, 1))


def test_r1_check_explains_refusal_in_japanese() -> None:
    refusal = check_internet_service_eligibility(date(2015, 1, 1), date(2025, 6, 1))
    assert refusal is NOT_ELIGIBLE
    assert "中学生以上" in refusal.ja


def test_r9_renewal_allowed_gives_renewal_day_plus_14() -> None:
    check = check_renewal(
        due=date(2026, 6, 20), renewal_count=0, holds_waiting=0, today=date(2026, 6, 10), policy=CirculationPolicy()
    )
    assert check.allowed
    assert check.new_due == date(2026, 6, 24)


def test_r9_renewal_on_the_due_date_is_not_overdue() -> None:
    check = check_renewal(
        due=date(2026, 6, 10), renewal_count=0, holds_waiting=0, today=date(2026, 6, 10), policy=CirculationPolicy()
    )
    assert check.allowed


@pytest.mark.parametrize(
    ("due", "count", "holds", "refusal"),
    [
        (date(2026, 6, 9), 0, 0, OVERDUE),
        (date(2026, 6, 20), 1, 0, ALREADY_RENEWED),
        (date(2026, 6, 20), 0, 1, HOLD_WAITING),
    ],
)
def test_r9_renewal_refused(due: date, count: int, holds: int, refusal: object) -> None:
    check = check_renewal(
        due=due, renewal_count=count, holds_waiting=holds, today=date(2026, 6, 10), policy=CirculationPolicy()
    )
    assert check.refusal is refusal
    assert check.new_due is None


def test_due_date_moves_off_a_closed_day() -> None:
    policy = CirculationPolicy(calendar=Calendar(closed_weekdays=frozenset({0})))
    # 2026-06-01 is a Monday: 14 days after 2026-05-18 (Monday) is Monday 2026-06-01 -> Tuesday.
    assert due_date_for_loan(date(2026, 5, 18), policy) == date(2026, 6, 2)
    assert due_date_for_renewal(date(2026, 5, 19), policy) == date(2026, 6, 2)


def test_calendar_counts_open_days_only() -> None:
    calendar = Calendar(closed_weekdays=frozenset({0}), closed_dates=frozenset({date(2026, 6, 11)}))
    # From Wed 06-10: Fri 12, Sat 13, Sun 14, Tue 16 (Thu 11 closed date, Mon 15 closed weekday).
    assert calendar.add_open_days(date(2026, 6, 10), 4) == date(2026, 6, 16)


@pytest.mark.parametrize(
    ("raw", "refusal"),
    [
        ("taro..yamada@docomo.ne.jp", CONSECUTIVE_DOTS),
        ("taro.@ezweb.ne.jp", DOT_BEFORE_AT),
        ("ｔａｒｏ．．ｙａｍａｄａ＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ", CONSECUTIVE_DOTS),
        ("taro.＠ezweb.ne.jp", DOT_BEFORE_AT),
        ("taro@", MALFORMED),
        ("taro yamada@example.jp", MALFORMED),
        ("no-at-sign.example.jp", MALFORMED),
    ],
)
def test_r12_non_rfc_addresses_are_refused_with_the_reason(raw: str, refusal: object) -> None:
    check = check_email(raw)
    assert check.address is None
    assert check.refusal is refusal


def test_r12_full_width_address_is_normalised_not_refused() -> None:
    check = check_email("ｔａｒｏ．ｙａｍａｄａ＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ")
    assert check.refusal is None
    assert check.address == "taro.yamada@docomo.ne.jp"


def test_r12_message_explains_in_japanese() -> None:
    assert "連続したピリオド" in CONSECUTIVE_DOTS.ja
    assert "RFC" in DOT_BEFORE_AT.ja


def test_r15_full_width_card_numbers_and_barcodes_are_normalised() -> None:
    assert normalize_card_number("１２３４ ５６７８") == "12345678"
    assert normalize_barcode(" ｔ０００１２ ") == "T00012"
    assert normalize_password("ｐａｓｓ１２３") == "pass123"


def test_search_folding_makes_width_and_kana_variants_equal() -> None:
    assert fold_for_search("ﾈｺ") == fold_for_search("ネコ") == fold_for_search("ねこ") == "ねこ"
    assert fold_for_search("ＡＢＣ　Def") == "abc def"


def test_r4_temporary_password_hash_verifies_full_width_input() -> None:
    password = generate_temporary_password()
    hashed = hash_password(password)
    full_width = password.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert verify_password(hashed, full_width)
    assert not verify_password(hashed, password + "x")
    assert not verify_password("not-a-hash", password)


def test_r5_bookmobile_application_works_the_day_after_central_took_it_in() -> None:
    assert activation_date(Channel.DESK, date(2026, 6, 10)) == date(2026, 6, 10)
    assert activation_date(Channel.BOOKMOBILE, date(2026, 6, 10)) == date(2026, 6, 11)
