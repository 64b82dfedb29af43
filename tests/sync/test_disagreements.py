"""One test per way a van and central disagree (SPEC 1-12): the outcome, and the conflict row where one is due."""

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from central.errors import AuthenticationFailed, RuleRefused
from central.models import (
    Bib,
    Conflict,
    ConflictStatus,
    HoldStatus,
    Item,
    ItemStatus,
    Loan,
    Location,
    NodeStatus,
    Patron,
    SyncNode,
)
from central.services.accounts import (
    apply_internet_service,
    authenticate,
    change_email,
    change_password,
    reissue_password,
)
from central.services.circulation import lend, return_item
from central.services.context import ServiceContext, transaction
from central.services.holds import place_hold
from central.services.patrons import add_block
from central.sync.devices import enrol, register_node
from central.sync.errors import NodeQuarantined, SequenceGap
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
from sync_protocol.passwords import hash_password
from sync_protocol.signing import new_private_key, public_key_of
from tests.sync.conftest import NOW, VanOutbox, reload

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]


def conflicts(session: Session, kind: str | None = None) -> list[Conflict]:
    with transaction(session):
        query = select(Conflict)
        if kind:
            query = query.where(Conflict.kind == kind)
        return list(session.exec(query))


def open_loans(session: Session, item: Item) -> list[Loan]:
    with transaction(session):
        return list(session.exec(select(Loan).where(Loan.item_id == item.id, Loan.returned_at.is_(None))))  # type: ignore[union-attr]


def test_spec1_copy_lent_offline_while_on_loan_at_central_closes_the_stale_loan(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    earlier, walk_in = make_patron(), make_patron()
    _, (copy,) = make_title()
    stale = lend(ctx(now=NOW - timedelta(days=5)), earlier, copy.barcode)
    receipt = van.send(van.op(ops.Lend(walk_in.card_number, copy.barcode, date(2026, 6, 24))))
    assert receipt.operations[0].outcome == Outcome.APPLIED
    assert reload(session, stale).returned_at == NOW  # closed at the van's lend time
    (current,) = open_loans(session, copy)
    assert current.patron_id == walk_in.id and current.due_date == date(2026, 6, 24)
    (conflict,) = conflicts(session, "stale_loan_closed")
    assert conflict.status == ConflictStatus.AUTO
    assert str(stale.id) in conflict.central_facts


def test_spec2_copy_on_the_hold_shelf_lent_offline_stays_with_the_walk_in(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    borrower, holder, walk_in = make_patron(), make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=3)), borrower, copy.barcode)
    hold = place_hold(ctx(now=NOW - timedelta(days=2)), holder, bib.id, ctx().location_id, "email")
    return_item(ctx(now=NOW - timedelta(days=1)), copy.barcode)
    assert hold.status == HoldStatus.READY
    van.send(van.op(ops.Lend(walk_in.card_number, copy.barcode, date(2026, 6, 24))))
    (loan,) = open_loans(session, copy)
    assert loan.patron_id == walk_in.id
    hold = reload(session, hold)
    assert hold.status == HoldStatus.QUEUED and hold.item_id is None
    assert conflicts(session, "held_copy_lent_offline")[0].status == ConflictStatus.AUTO


def test_spec2_r14_shelf_copy_targeted_by_a_hold_lent_offline_retargets_the_hold(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    holder, walk_in = make_patron(), make_patron()
    bib, copies = make_title(copies=2)
    hold = place_hold(ctx(now=NOW - timedelta(days=1)), holder, bib.id, ctx().location_id, "email")
    targeted = next(c for c in copies if c.id == hold.item_id)
    van.send(van.op(ops.Lend(walk_in.card_number, targeted.barcode, date(2026, 6, 24), bypassed_hold_id=hold.id)))
    hold = reload(session, hold)
    assert hold.status == HoldStatus.QUEUED and hold.item_id not in (None, targeted.id)
    assert conflicts(session) == []  # R14 is the rule, not a disagreement


def test_spec3_offline_loan_for_a_patron_blocked_since_the_roster_is_kept_and_raised_for_an_admin(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    add_block(ctx(now=NOW - timedelta(hours=2)), patron, "lost_card")
    receipt = van.send(van.op(ops.Lend(patron.card_number, copy.barcode, date(2026, 6, 24))))
    assert receipt.operations[0].outcome == Outcome.APPLIED
    assert open_loans(session, copy)[0].patron_id == patron.id
    (conflict,) = conflicts(session, "blocked_patron")
    assert conflict.status == ConflictStatus.OPEN


def test_spec4_offline_renewal_after_a_hold_arrived_keeps_the_promised_due_date(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    borrower, holder = make_patron(), make_patron()
    bib, (copy,) = make_title()
    loan = lend(ctx(now=NOW - timedelta(days=7)), borrower, copy.barcode)
    place_hold(ctx(now=NOW - timedelta(hours=3)), holder, bib.id, ctx().location_id, "email")
    van.send(van.op(ops.Renew(borrower.card_number, copy.barcode, loan.due_date, date(2026, 6, 24))))
    loan = reload(session, loan)
    assert loan.due_date == date(2026, 6, 24) and loan.renewal_count == 1
    assert conflicts(session, "renewal_despite_hold")[0].status == ConflictStatus.AUTO


def test_spec5_offline_return_of_a_copy_central_thinks_is_on_the_shelf_checks_it_in_at_the_stop(
    van: VanOutbox, ctx: Ctx, session: Session, locations: dict, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    receipt = van.send(van.op(ops.Return(copy.barcode)))
    assert receipt.operations[0].outcome == Outcome.APPLIED
    copy = reload(session, copy)
    assert copy.status == ItemStatus.AVAILABLE and copy.current_location_id == locations["stop"].id
    assert conflicts(session, "return_without_loan")[0].status == ConflictStatus.AUTO


def test_spec5_offline_return_older_than_a_newer_loan_leaves_the_newer_loan_open(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    lend(ctx(now=NOW + timedelta(hours=2)), patron, copy.barcode)
    van.send(van.op(ops.Return(copy.barcode), at=NOW))
    assert open_loans(session, copy)[0].patron_id == patron.id
    assert conflicts(session, "return_predates_loan")


def test_spec6_the_same_person_registered_at_the_desk_and_on_the_van_is_raised_for_merging(
    van: VanOutbox, session: Session, make_patron: MakePatron
) -> None:
    desk = make_patron(name="山田太郎", birth_date=date(1990, 5, 5))
    van.send(van.op(ops.RegisterPatron("80000001", "山田 太郎", "ヤマダタロウ", date(1990, 5, 5), "", "", None)))
    (conflict,) = conflicts(session, "duplicate_person")
    assert conflict.status == ConflictStatus.OPEN
    assert desk.card_number in conflict.central_facts
    with transaction(session):
        assert session.exec(select(Patron).where(Patron.card_number == "80000001")).one()


def test_spec6_a_card_number_used_twice_holds_the_van_registration(
    van: VanOutbox, session: Session, make_patron: MakePatron
) -> None:
    make_patron(card_number="80000001", name="比嘉花子")
    receipt = van.send(
        van.op(ops.RegisterPatron("80000001", "金城次郎", "きんじょうじろう", date(1970, 1, 1), "", "", None))
    )
    assert receipt.operations[0].outcome == Outcome.CONFLICT
    (conflict,) = conflicts(session, "card_number_taken")
    assert conflict.status == ConflictStatus.OPEN and "金城次郎" in conflict.van_facts


@pytest.mark.parametrize(
    ("card", "barcode", "kind"), [(None, "T9999901", "unknown_barcode"), ("99990001", None, "unknown_card")]
)
def test_spec7_unknown_barcode_or_card_is_held_in_an_open_conflict(
    van: VanOutbox,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
    card: str | None,
    barcode: str | None,
    kind: str,
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    receipt = van.send(van.op(ops.Lend(card or patron.card_number, barcode or copy.barcode, date(2026, 6, 24))))
    assert receipt.operations[0].outcome == Outcome.CONFLICT
    (conflict,) = conflicts(session, kind)
    assert conflict.status == ConflictStatus.OPEN
    assert receipt.operations[0].conflict_id == conflict.id
    assert open_loans(session, copy) == []


def test_spec8_a_van_clock_five_hours_fast_is_corrected_by_the_measured_offset(
    van: VanOutbox, van_node: SyncNode, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    with transaction(session):
        van_node.clock_offset_ms = 5 * 3600 * 1000  # as measured at the handshake
        session.add(van_node)
    van.send(van.op(ops.Lend(patron.card_number, copy.barcode, date(2026, 6, 24)), at=NOW + timedelta(hours=5)))
    (loan,) = open_loans(session, copy)
    assert loan.out_at == NOW
    assert conflicts(session, "clock_skew") == []


def test_spec8_a_date_in_the_future_is_clamped_and_reported(
    van: VanOutbox, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    received = NOW + timedelta(hours=8)
    van.send(
        van.op(ops.Lend(patron.card_number, copy.barcode, date(2026, 6, 24)), at=NOW + timedelta(days=400)),
        received=received,
    )
    assert open_loans(session, copy)[0].out_at == received
    assert conflicts(session, "clock_skew")[0].status == ConflictStatus.AUTO


def test_spec9_the_same_batch_twice_is_applied_once_with_the_same_receipt(
    van: VanOutbox, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    operation = van.op(ops.Lend(patron.card_number, copy.barcode, date(2026, 6, 24)))
    first = van.send(operation)
    second = van.send(operation)
    assert first == second
    assert len(open_loans(session, copy)) == 1


def test_spec9_a_batch_after_a_gap_is_refused_with_the_expected_sequence(
    van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    van.op(ops.Return(copy.barcode))  # seq 1 never sent
    with pytest.raises(SequenceGap) as error:
        van.send(van.op(ops.Return(copy.barcode)))
    assert error.value.details["expected"] == 1


def test_spec9_a_node_restored_from_an_old_backup_is_quarantined(
    van: VanOutbox, van_node: SyncNode, session: Session, make_title: MakeTitle
) -> None:
    _, (first, second) = make_title(copies=2)
    van.send(van.op(ops.Return(first.barcode)))
    van.seq = 0  # the backup was taken before seq 1
    receipt = van.send(van.op(ops.Return(second.barcode)))
    assert receipt.operations[0].outcome == Outcome.CONFLICT
    assert reload(session, van_node).status == NodeStatus.QUARANTINED
    assert conflicts(session, "restored_node")[0].status == ConflictStatus.OPEN
    with pytest.raises(NodeQuarantined):
        van.send(van.op(ops.Return(second.barcode)))


def test_spec10_an_email_changed_online_after_the_van_keeps_the_later_address(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron(email="old@example.jp")
    change_email(ctx(now=NOW + timedelta(hours=2), actor=f"patron:{patron.id}"), patron, "web@example.jp")
    van.send(van.op(ops.ChangeEmail(patron.card_number, "van@example.jp"), at=NOW))
    assert reload(session, patron).email == "web@example.jp"
    assert "van@example.jp" in conflicts(session, "email_changed_both")[0].van_facts


def test_spec10_a_van_change_newer_than_the_online_one_wins(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron(email="old@example.jp")
    change_email(ctx(now=NOW - timedelta(hours=2)), patron, "web@example.jp")
    van.send(van.op(ops.ChangeEmail(patron.card_number, "van@example.jp"), at=NOW))
    assert reload(session, patron).email == "van@example.jp"


def test_spec11_a_password_changed_online_after_the_van_reissue_stays(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    temporary = apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence").temporary_password
    assert temporary
    change_password(ctx(now=NOW + timedelta(hours=1)), patron, temporary, "Online-pass-1")
    van.send(
        van.op(ops.ReissuePassword(patron.card_number, ops.IdDocumentKind.PASSPORT, hash_password("vanpass8")), at=NOW)
    )
    later = ctx(now=NOW + timedelta(days=2))
    assert authenticate(later, patron.card_number, "Online-pass-1").id == patron.id
    with pytest.raises(AuthenticationFailed):
        authenticate(later, patron.card_number, "vanpass8")
    assert conflicts(session, "password_changed_online")


def test_spec11_r7_a_van_reissue_after_the_online_change_replaces_the_password(
    van: VanOutbox, ctx: Ctx, make_patron: MakePatron
) -> None:
    patron = make_patron()
    temporary = apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence").temporary_password
    assert temporary
    change_password(ctx(now=NOW - timedelta(days=1)), patron, temporary, "Online-pass-1")
    van.send(van.op(ops.ReissuePassword(patron.card_number, ops.IdDocumentKind.PASSPORT, hash_password("vanpass8"))))
    later = ctx(now=NOW + timedelta(days=2))
    assert authenticate(later, patron.card_number, "vanpass8").id == patron.id
    with pytest.raises(AuthenticationFailed):
        authenticate(later, patron.card_number, "Online-pass-1")


def van_reissue(van: VanOutbox, patron: Patron, password: str, at: datetime = NOW) -> ops.Operation:
    return van.op(ops.ReissuePassword(patron.card_number, ops.IdDocumentKind.PASSPORT, hash_password(password)), at=at)


def van_application(van: VanOutbox, patron: Patron, password: str, at: datetime = NOW) -> ops.Operation:
    kind = ops.IdDocumentKind.HEALTH_INSURANCE
    return van.op(ops.ApplyInternetService(patron.card_number, kind, hash_password(password)), at=at)


def only_this_password_works(ctx: Ctx, patron: Patron, works: str, refused: str) -> None:
    later = ctx(now=NOW + timedelta(days=2))
    assert authenticate(later, patron.card_number, works).id == patron.id
    with pytest.raises(AuthenticationFailed):
        authenticate(later, patron.card_number, refused)


def test_spec11_r7_a_desk_reissue_later_the_same_day_stays_over_the_van_reissue(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence")
    offline = van_reissue(van, patron, "vanpass8")  # 10:00 on the van, not synced yet
    desk = reissue_password(ctx(now=NOW + timedelta(hours=2)), patron, "passport").temporary_password
    assert desk
    receipt = van.send(offline)  # that evening
    assert receipt.operations[0].outcome == Outcome.APPLIED
    only_this_password_works(ctx, patron, desk, "vanpass8")
    (conflict,) = conflicts(session, "password_set_later")
    assert conflict.status == ConflictStatus.AUTO
    assert "本館の窓口" in conflict.summary and "12:00" in conflict.summary
    facts = json.loads(conflict.central_facts)
    assert facts == {
        "password_set_at": "2026-06-10 03:00:00+00:00",
        "password_set_by": "本館の窓口で発行したパスワード",
    }


def test_spec11_r7_a_desk_application_later_the_same_day_stays_over_the_van_application(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    offline = van_application(van, patron, "vanpass8")
    desk = apply_internet_service(ctx(now=NOW + timedelta(hours=2)), patron, "passport").temporary_password
    assert desk
    van.send(offline)
    only_this_password_works(ctx, patron, desk, "vanpass8")
    (conflict,) = conflicts(session, "password_set_later")
    assert conflict.status == ConflictStatus.AUTO and "本館の窓口" in conflict.default_action
    assert conflicts(session, "account_exists") == []


def test_spec11_r7_a_password_changed_online_after_the_van_application_stays(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    temporary = apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence").temporary_password
    offline = van_application(van, patron, "vanpass8")
    change_password(ctx(now=NOW + timedelta(hours=1)), patron, temporary or "", "Online-pass-1")
    van.send(offline)
    only_this_password_works(ctx, patron, "Online-pass-1", "vanpass8")
    (conflict,) = conflicts(session, "password_set_later")
    assert "ウェブ" in conflict.summary and conflict.status == ConflictStatus.AUTO


def test_spec11_r7_a_reissue_on_another_van_later_stays_over_an_older_van_reissue(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, locations: dict[str, Location]
) -> None:
    patron = make_patron()
    apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence")
    admin = ctx(now=NOW - timedelta(days=1), actor="staff:admin")
    other = VanOutbox(
        enrol(admin, "BM1-B", register_node(admin, "BM1-B", locations["van"]).code, public_key_of(new_private_key())),
        ctx,
    )
    offline = van_reissue(van, patron, "vanpass8")
    other.send(van_reissue(other, patron, "other-van9", at=NOW + timedelta(hours=3)), received=NOW + timedelta(hours=5))
    van.send(offline)
    only_this_password_works(ctx, patron, "other-van9", "vanpass8")
    (conflict,) = conflicts(session, "password_set_later")
    assert "大山公民館" in conflict.summary


def test_spec11_r7_a_van_application_newer_than_the_existing_password_is_treated_as_a_reissue(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    old = apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence").temporary_password
    van.send(van_application(van, patron, "vanpass8"))
    only_this_password_works(ctx, patron, "vanpass8", old or "")
    assert conflicts(session, "account_exists")[0].status == ConflictStatus.AUTO
    assert conflicts(session, "password_set_later") == []


def test_spec12_a_copy_returned_on_the_van_that_a_hold_waits_for_is_routed_to_the_hold(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    borrower, holder = make_patron(), make_patron()
    bib, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=7)), borrower, copy.barcode)
    hold = place_hold(ctx(now=NOW - timedelta(days=1)), holder, bib.id, ctx().location_id, "email")
    receipt = van.send(van.op(ops.Return(copy.barcode, hold_waiting=True)))
    assert receipt.operations[0].outcome == Outcome.APPLIED
    hold = reload(session, hold)
    assert hold.status == HoldStatus.IN_TRANSIT and hold.item_id == copy.id
    assert reload(session, copy).status == ItemStatus.IN_TRANSIT
    assert conflicts(session) == []


def test_r5_a_van_registration_with_an_application_works_from_the_day_after_central_took_it_in(
    van: VanOutbox, ctx: Ctx
) -> None:
    received = NOW + timedelta(days=3)  # the van could not sync for three days
    van.send(
        van.op(ops.RegisterPatron("80000002", "宮城さくら", "みやぎさくら", date(2000, 2, 2), "宜野湾市", "098", None)),
        van.op(ops.ApplyInternetService("80000002", ops.IdDocumentKind.DRIVING_LICENCE, hash_password("sakura88"))),
        received=received,
    )
    with pytest.raises(RuleRefused):
        authenticate(ctx(now=received), "80000002", "sakura88")
    assert authenticate(ctx(now=received + timedelta(days=1)), "80000002", "sakura88").card_number == "80000002"
