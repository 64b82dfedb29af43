"""Internet-service accounts: application (R1-R5), re-issue (R7), sign-in, changes (R6, R11, R12)."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from central.errors import AuthenticationFailed, InvalidInput, RuleRefused
from central.models import Patron
from central.services.accounts import (
    apply_internet_service,
    authenticate,
    change_email,
    change_password,
    reissue_password,
)
from central.services.context import ServiceContext
from sync_protocol.activation import Channel
from sync_protocol.passwords import hash_password
from tests.central.conftest import NOW

Ctx = Callable[..., ServiceContext]


def test_r4_desk_application_works_the_same_day(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron()
    issued = apply_internet_service(ctx(), patron, "driving_licence")
    assert issued.temporary_password is not None
    assert issued.account.password_hash != issued.temporary_password
    assert issued.account.temporary
    assert authenticate(ctx(), patron.card_number, issued.temporary_password).id == patron.id


def test_r2_id_document_kind_is_required_and_recorded(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron()
    with pytest.raises(InvalidInput) as error:
        apply_internet_service(ctx(), patron, "AB-1234567")
    assert error.value.code == "unknown_id_document"
    issued = apply_internet_service(ctx(), patron, "health_insurance")
    assert issued.account.id_document_kind == "health_insurance"


def test_r1_application_refused_for_a_primary_school_pupil(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    # On 2026-06-10 (school year 2026), the cut-off is 2014-04-01.
    eligible = make_patron(birth_date=date(2014, 4, 1))
    too_young = make_patron(birth_date=date(2014, 4, 2))
    assert apply_internet_service(ctx(), eligible, "student_id").temporary_password
    with pytest.raises(RuleRefused) as error:
        apply_internet_service(ctx(), too_young, "student_id")
    assert error.value.code == "not_eligible"
    assert "中学生以上" in error.value.ja


def test_r5_bookmobile_application_works_from_the_day_after_central_took_it_in(
    ctx: Ctx, make_patron: Callable[..., Patron]
) -> None:
    patron = make_patron()
    van_taken = NOW - timedelta(days=3)  # taken on the van three days before the sync
    issued = apply_internet_service(
        ctx(now=van_taken, location="stop", actor="node:BM1"),
        patron,
        "driving_licence",
        Channel.BOOKMOBILE,
        password_hash=hash_password("vanpass8"),
        taken_in_at=NOW,
    )
    assert issued.temporary_password is None
    assert issued.account.active_from == date(2026, 6, 11)
    with pytest.raises(RuleRefused) as error:
        authenticate(ctx(), patron.card_number, "vanpass8")
    assert error.value.code == "account_not_yet_active"
    assert authenticate(ctx(now=NOW + timedelta(days=1)), patron.card_number, "vanpass8").id == patron.id


def test_r7_old_temporary_password_rejected_after_reissue(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron()
    old = apply_internet_service(ctx(), patron, "driving_licence").temporary_password
    new = reissue_password(ctx(), patron, "passport").temporary_password
    assert old and new and old != new
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx(), patron.card_number, old)
    assert authenticate(ctx(), patron.card_number, new).id == patron.id


def test_sign_in_gives_the_same_answer_for_unknown_card_and_wrong_password(
    ctx: Ctx, make_patron: Callable[..., Patron]
) -> None:
    patron = make_patron()
    apply_internet_service(ctx(), patron, "driving_licence")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        authenticate(ctx(), patron.card_number, "wrong-password")
    with pytest.raises(AuthenticationFailed) as unknown_card:
        authenticate(ctx(), "99999999", "wrong-password")
    assert wrong_password.value.ja == unknown_card.value.ja


def test_r15_sign_in_accepts_full_width_card_number_and_password(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron(card_number="20260001")
    password = apply_internet_service(ctx(), patron, "driving_licence").temporary_password
    assert password
    full_width = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    assert authenticate(ctx(), "２０２６０００１", password.translate(full_width)).id == patron.id


def test_r6_changing_the_password_ends_the_temporary_state(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron()
    temporary = apply_internet_service(ctx(), patron, "driving_licence").temporary_password
    assert temporary
    account = change_password(ctx(), patron, temporary, "MyNewPass-2026")
    assert not account.temporary
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx(), patron.card_number, temporary)
    assert authenticate(ctx(), patron.card_number, "MyNewPass-2026")


def test_password_change_refuses_short_or_non_ascii_passwords(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron()
    temporary = apply_internet_service(ctx(), patron, "driving_licence").temporary_password
    assert temporary
    for bad, code in [("short", "password_length"), ("パスワードです長い", "password_characters")]:
        with pytest.raises(InvalidInput) as error:
            change_password(ctx(), patron, temporary, bad)
        assert error.value.code == code


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("taro..yamada@docomo.ne.jp", "email_consecutive_dots"),
        ("taro.@ezweb.ne.jp", "email_dot_before_at"),
        ("taro＠", "email_malformed"),
    ],
)
def test_r12_email_change_refused_with_plain_japanese_reason(
    ctx: Ctx, make_patron: Callable[..., Patron], address: str, code: str
) -> None:
    patron = make_patron(email="old@example.jp")
    with pytest.raises(InvalidInput) as error:
        change_email(ctx(), patron, address)
    assert error.value.code == code
    assert patron.email == "old@example.jp"


def test_r11_email_change_normalises_full_width(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    patron = make_patron(email=None)
    assert change_email(ctx(), patron, "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ").email == "hanako@example.jp"
