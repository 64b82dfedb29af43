"""Lending, returning, renewing at central (R9, R14, SPEC 12) and the errors staff see."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from central.errors import CentralError, InvalidInput, NotFound, RuleRefused
from central.models import AuditEntry, Bib, HoldStatus, Item, ItemStatus, Loan, Patron
from central.services.circulation import lend, renew, renew_by_barcode, return_item
from central.services.context import ServiceContext
from central.services.holds import place_hold, queue_place
from central.services.patrons import Registration, add_block, lift_block, register_patron
from tests.central.conftest import NOW

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]


def test_lend_sets_due_date_from_the_policy(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    loan = lend(ctx(), patron, copy.barcode)
    assert loan.due_date == date(2026, 6, 24)
    assert copy.status == ItemStatus.ON_LOAN


def test_lend_accepts_full_width_barcode(ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    full_width = copy.barcode.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert lend(ctx(), patron, full_width).item_id == copy.id


def test_r14_walk_in_borrows_a_shelf_copy_a_hold_targets_and_the_hold_stays_queued(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    holder, walk_in = make_patron(), make_patron()
    bib, (first, second) = make_title(copies=2)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "email")
    targeted = hold.item_id
    assert targeted in (first.id, second.id)
    barcode = first.barcode if targeted == first.id else second.barcode
    loan = lend(ctx(), walk_in, barcode)
    assert loan.patron_id == walk_in.id
    assert hold.status == HoldStatus.QUEUED
    assert hold.item_id not in (None, targeted)  # retargeted to the other shelf copy
    assert queue_place(ctx(), hold) == 1


def test_r14_hold_waits_for_a_return_when_no_other_copy_is_on_the_shelf(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    holder, walk_in = make_patron(), make_patron()
    bib, (copy,) = make_title()
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "email")
    assert hold.item_id == copy.id
    lend(ctx(), walk_in, copy.barcode)
    assert hold.item_id is None and hold.status == HoldStatus.QUEUED


def test_spec12_a_returned_copy_a_hold_waits_for_goes_to_the_hold_shelf(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    borrower, holder = make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(), borrower, copy.barcode)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "email")
    outcome = return_item(ctx(now=NOW + timedelta(days=2)), copy.barcode)
    assert outcome.destination == "hold_shelf"
    assert hold.status == HoldStatus.READY and hold.item_id == copy.id
    assert copy.status == ItemStatus.ON_HOLD_SHELF
    assert hold.pickup_deadline == date(2026, 6, 19)  # 7 open days from Fri 06-12 (no closed days here)


def test_copy_returned_elsewhere_travels_then_becomes_ready_at_the_pickup_place(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    borrower, holder = make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(), borrower, copy.barcode)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "phone")
    assert return_item(ctx(location="stop"), copy.barcode).destination == "transit"
    assert hold.status == HoldStatus.IN_TRANSIT
    assert return_item(ctx(), copy.barcode).destination == "hold_shelf"
    assert hold.status == HoldStatus.READY


def test_a_copy_on_the_hold_shelf_is_refused_to_another_patron_and_lent_to_the_holder(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    borrower, holder, other = make_patron(), make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(), borrower, copy.barcode)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, "email")
    return_item(ctx(), copy.barcode)
    with pytest.raises(RuleRefused) as error:
        lend(ctx(), other, copy.barcode)
    assert error.value.code == "item_held_for_another"
    lend(ctx(), holder, copy.barcode)
    assert hold.status == HoldStatus.FULFILLED


def test_r9_renewal_sets_renewal_day_plus_14_and_only_once(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    loan = lend(ctx(), patron, copy.barcode)
    renewed = renew(ctx(now=NOW + timedelta(days=7)), loan)  # Wed 06-17
    assert renewed.due_date == date(2026, 7, 1)
    with pytest.raises(RuleRefused) as error:
        renew(ctx(now=NOW + timedelta(days=8)), loan)
    assert error.value.code == "renewal_already_renewed"


def test_r9_renewal_refused_when_overdue(ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    loan = lend(ctx(), patron, copy.barcode)
    with pytest.raises(RuleRefused) as error:
        renew(ctx(now=NOW + timedelta(days=15)), loan)
    assert error.value.code == "renewal_overdue"
    assert loan.renewal_count == 0 and loan.due_date == date(2026, 6, 24)


def test_r9_renewal_refused_when_a_hold_waits(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron, holder = make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(), patron, copy.barcode)
    place_hold(ctx(), holder, bib.id, ctx().location_id, "email")
    with pytest.raises(RuleRefused) as error:
        renew_by_barcode(ctx(), copy.barcode)
    assert error.value.code == "renewal_hold_waiting"
    assert "予約" in error.value.ja


def test_blocked_patron_cannot_borrow_until_the_block_is_lifted(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    block = add_block(ctx(), patron, "lost_card")
    with pytest.raises(RuleRefused) as error:
        lend(ctx(), patron, copy.barcode)
    assert error.value.code == "patron_blocked"
    lift_block(ctx(), block.id)
    assert lend(ctx(), patron, copy.barcode)


def test_loan_limit_is_enforced(ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle) -> None:
    patron = make_patron()
    _, copies = make_title(copies=11)
    for copy in copies[:10]:
        lend(ctx(), patron, copy.barcode)
    with pytest.raises(RuleRefused) as error:
        lend(ctx(), patron, copies[10].barcode)
    assert error.value.code == "loan_limit"


@pytest.mark.parametrize(
    ("barcode", "kind", "code"),
    [("T9999999", NotFound, "unknown_barcode"), ("??", InvalidInput, "malformed_barcode")],
)
def test_unknown_or_malformed_barcode_is_a_clear_error(
    ctx: Ctx, make_patron: Callable[..., Patron], barcode: str, kind: type[CentralError], code: str
) -> None:
    patron = make_patron()
    with pytest.raises(kind) as error:
        lend(ctx(), patron, barcode)
    assert error.value.code == code
    assert "バーコード" in error.value.ja


def test_failed_lend_leaves_nothing_half_written(
    ctx: Ctx, session: Session, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron = make_patron()
    add_block(ctx(), patron, "unreturned")
    _, (copy,) = make_title()
    with pytest.raises(RuleRefused):
        lend(ctx(), patron, copy.barcode)
    with session.begin():
        assert session.exec(select(Loan)).all() == []
        assert session.get(Item, copy.id).status == ItemStatus.AVAILABLE  # type: ignore[union-attr]


def test_registration_refuses_future_birth_date_and_bad_email(ctx: Ctx) -> None:
    future = Registration("20260099", "山田花子", "やまだはなこ", date(2030, 1, 1))
    with pytest.raises(InvalidInput) as error:
        register_patron(ctx(), future)
    assert error.value.code == "implausible_birth_date"
    bad_mail = Registration("20260099", "山田花子", "やまだはなこ", date(2000, 1, 1), email="hanako.@ezweb.ne.jp")
    with pytest.raises(InvalidInput) as error:
        register_patron(ctx(), bad_mail)
    assert error.value.code == "email_dot_before_at"


def test_registration_refuses_a_card_number_in_use(ctx: Ctx, make_patron: Callable[..., Patron]) -> None:
    make_patron(card_number="20260100")
    with pytest.raises(RuleRefused) as error:
        make_patron(card_number="２０２６０１００")
    assert error.value.code == "card_number_taken"


def test_every_change_leaves_an_audit_entry_with_actor_and_place(
    ctx: Ctx, session: Session, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    lend(ctx(actor="staff:7"), patron, copy.barcode)
    with session.begin():
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "loan.lend")).one()
    assert entry.actor == "staff:7"
    assert entry.location_id == ctx().location_id
