"""B5: an admin's decision on each kind of conflict, applied through the services in one transaction,
recorded on the conflict and in the audit log, and taken once even when two admins decide at once."""

import json
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.db import new_session
from central.errors import AuthenticationFailed, InvalidInput, NotFound, RuleRefused
from central.models import (
    AuditEntry,
    Bib,
    Conflict,
    ConflictStatus,
    InternetAccount,
    Item,
    Loan,
    NodeStatus,
    Patron,
    PatronBlock,
    PatronStatus,
    SyncNode,
    SyncOperation,
)
from central.services.accounts import apply_internet_service, authenticate, change_email, change_password
from central.services.circulation import lend
from central.services.context import ServiceContext, transaction
from central.services.holds import place_hold
from central.services.merge import merge_patrons
from central.services.patrons import add_block
from central.staff.accounts import StaffMember
from central.sync.resolution import Action, AlreadyResolved, Decision, StillHeld, decide
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
from sync_protocol.passwords import hash_password
from sync_protocol.policy import CirculationPolicy
from tests.central.conftest import NOW
from tests.central.test_nightly_support import run_on, settings_for
from tests.staff.helpers import audit_rows, conflicts_of
from tests.sync.conftest import VanOutbox, reload

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]
LATER = NOW + timedelta(days=1)
DUE = date(2026, 6, 24)


def open_loans(session: Session, item: Item) -> list[Loan]:
    with transaction(session):
        return list(session.exec(select(Loan).where(Loan.item_id == item.id, col(Loan.returned_at).is_(None))))


def operation_of(session: Session, conflict: Conflict) -> SyncOperation:
    with transaction(session):
        found = session.get(SyncOperation, conflict.operation_id, populate_existing=True)
        assert found is not None
        return found


def held_lend(van: VanOutbox, session: Session, card: str, barcode: str, kind: str) -> Conflict:
    receipt = van.send(van.op(ops.Lend(card, barcode, DUE)))
    assert receipt.operations[0].outcome == Outcome.CONFLICT
    (conflict,) = conflicts_of(session, kind)
    return conflict


def test_b5_unknown_barcode_linked_to_an_item_applies_the_held_lend_as_of_its_own_time_and_stop(
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    locations: dict,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    conflict = held_lend(van, session, patron.card_number, "T9999901", "unknown_barcode")
    result = decide(
        ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.LINK, "ラベル貼り替え", barcode=copy.barcode)
    )
    (loan,) = open_loans(session, copy)
    assert loan.patron_id == patron.id and loan.out_at == NOW and loan.location_id == locations["stop"].id
    assert loan.due_date == DUE
    assert result.conflict.status == ConflictStatus.RESOLVED
    assert result.conflict.resolved_by == admin.actor and result.conflict.resolved_at == LATER
    assert copy.barcode in result.conflict.resolution and "ラベル貼り替え" in result.conflict.resolution
    assert operation_of(session, conflict).outcome == Outcome.APPLIED


def test_b5_unknown_card_linked_to_a_patron_applies_the_held_lend(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    conflict = held_lend(van, session, "99990001", copy.barcode, "unknown_card")
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.LINK, card_number=patron.card_number))
    assert open_loans(session, copy)[0].patron_id == patron.id


def test_b5_a_link_that_still_leaves_the_operation_unknown_changes_nothing(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    patron = make_patron()
    conflict = held_lend(van, session, "99990001", "T9999901", "unknown_card")
    with pytest.raises(StillHeld):
        decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.LINK, card_number=patron.card_number))
    assert reload(session, conflict).status == ConflictStatus.OPEN
    assert operation_of(session, conflict).outcome == Outcome.CONFLICT


def test_b5_linking_names_only_existing_items(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    patron = make_patron()
    conflict = held_lend(van, session, patron.card_number, "T9999901", "unknown_barcode")
    with pytest.raises(NotFound):
        decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.LINK, barcode="T8888801"))


def test_spec6_a_card_number_taken_is_resolved_by_registering_the_van_patron_under_a_new_number(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    make_patron(card_number="80000001", name="比嘉花子")
    van.send(van.op(ops.RegisterPatron("80000001", "金城次郎", "きんじょうじろう", date(1970, 1, 1), "", "", None)))
    (conflict,) = conflicts_of(session, "card_number_taken")
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.LINK, card_number="80000501"))
    with transaction(session):
        assert session.exec(select(Patron).where(Patron.card_number == "80000501")).one().name == "金城次郎"


def test_b5_void_needs_a_reason_and_then_drops_the_held_operation_for_good(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    patron = make_patron()
    conflict = held_lend(van, session, patron.card_number, "T9999901", "unknown_barcode")
    with pytest.raises(InvalidInput):
        decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.VOID, "  "))
    result = decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.VOID, "誤スキャン"))
    assert result.conflict.status == ConflictStatus.VOIDED and "誤スキャン" in result.conflict.resolution
    operation = operation_of(session, conflict)
    assert operation.outcome == Outcome.REJECTED and operation.code == "voided"


def test_spec6_b5_a_duplicate_registration_merged_moves_loans_holds_and_account_to_the_kept_record(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    desk = make_patron(name="山田太郎", birth_date=date(1990, 5, 5))
    _, (copy,) = make_title()
    van.send(
        van.op(ops.RegisterPatron("80000001", "山田 太郎", "ヤマダタロウ", date(1990, 5, 5), "", "090-1", None)),
        van.op(ops.ApplyInternetService("80000001", ops.IdDocumentKind.DRIVING_LICENCE, hash_password("vanpass88"))),
        van.op(ops.Lend("80000001", copy.barcode, DUE)),
    )
    with transaction(session):
        twin = session.exec(select(Patron).where(Patron.card_number == "80000001")).one()
    (conflict,) = conflicts_of(session, "duplicate_person")
    decide(
        ctx(now=LATER, actor=admin.actor),
        conflict.id,
        Decision(Action.MERGE, keep_patron_id=desk.id, drop_patron_id=twin.id),
    )
    twin, desk = reload(session, twin), reload(session, desk)
    assert twin.status == PatronStatus.MERGED and twin.merged_into_id == desk.id
    assert open_loans(session, copy)[0].patron_id == desk.id
    assert desk.phone == "090-1"  # contact details the kept record lacked
    with transaction(session):
        account = session.exec(select(InternetAccount)).one()
    assert account.patron_id == desk.id
    assert authenticate(ctx(now=LATER + timedelta(days=1)), desk.card_number, "vanpass88").id == desk.id
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx(now=LATER + timedelta(days=1)), twin.card_number, "vanpass88")


def _twins_and_a_title_out_on_loan(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> tuple[Patron, Patron, Bib, Conflict]:
    """SPEC 6: a patron registered at the desk, registered again on the van (a duplicate_person
    conflict), and a title whose only copy is out, so that holds on it wait."""
    desk = make_patron(name="山田太郎", birth_date=date(1990, 5, 5))
    bib, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=3)), make_patron(), copy.barcode)
    van.send(van.op(ops.RegisterPatron("80000001", "山田 太郎", "やまだたろう", date(1990, 5, 5), "", "", None)))
    with transaction(session):
        twin = session.exec(select(Patron).where(Patron.card_number == "80000001")).one()
    (conflict,) = conflicts_of(session, "duplicate_person")
    return desk, twin, bib, conflict


def test_spec6_merging_two_holds_on_one_title_keeps_the_earlier_one(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    desk, twin, bib, conflict = _twins_and_a_title_out_on_loan(van, ctx, session, make_patron, make_title)
    first = place_hold(ctx(now=NOW + timedelta(hours=9)), twin, bib.id, ctx().location_id, "phone")
    second = place_hold(ctx(now=NOW + timedelta(hours=10)), desk, bib.id, ctx().location_id, "phone")
    decide(
        ctx(now=LATER, actor=admin.actor),
        conflict.id,
        Decision(Action.MERGE, keep_patron_id=desk.id, drop_patron_id=twin.id),
    )
    first, second = reload(session, first), reload(session, second)
    assert first.patron_id == desk.id and first.status == "queued"
    assert second.status == "cancelled"


def test_b5_keeping_the_default_closes_an_automatic_conflict(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    van.send(van.op(ops.Return(copy.barcode)))
    (conflict,) = conflicts_of(session, "return_without_loan")
    assert conflict.status == ConflictStatus.AUTO
    result = decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.KEEP))
    assert result.conflict.status == ConflictStatus.RESOLVED


def test_spec10_taking_the_van_side_applies_the_van_address(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    patron = make_patron(email="old@example.jp")
    change_email(ctx(now=NOW + timedelta(hours=2), actor=f"patron:{patron.id}"), patron, "web@example.jp")
    van.send(van.op(ops.ChangeEmail(patron.card_number, "van@example.jp"), at=NOW))
    (conflict,) = conflicts_of(session, "email_changed_both")
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.TAKE_VAN, "本人に電話で確認"))
    assert reload(session, patron).email == "van@example.jp"


def test_spec11_r7_taking_the_van_side_makes_the_van_password_the_one_that_works(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    patron = make_patron()
    temporary = apply_internet_service(ctx(now=NOW - timedelta(days=3)), patron, "driving_licence").temporary_password
    change_password(ctx(now=NOW + timedelta(hours=1)), patron, temporary or "", "Online-pass-1")
    van.send(
        van.op(ops.ReissuePassword(patron.card_number, ops.IdDocumentKind.PASSPORT, hash_password("vanpass8")), at=NOW)
    )
    (conflict,) = conflicts_of(session, "password_changed_online")
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.TAKE_VAN))
    assert authenticate(ctx(now=LATER), patron.card_number, "vanpass8").id == patron.id
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx(now=LATER), patron.card_number, "Online-pass-1")


def test_spec9_a_quarantined_node_is_re_enrolled_with_a_new_one_time_code(
    van: VanOutbox, van_node: SyncNode, ctx: Ctx, session: Session, admin: StaffMember, make_title: MakeTitle
) -> None:
    _, (first, second) = make_title(copies=2)
    van.send(van.op(ops.Return(first.barcode)))
    van.seq = 0
    van.send(van.op(ops.Return(second.barcode)))
    (conflict,) = conflicts_of(session, "restored_node")
    result = decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.REENROL))
    assert result.enrolment and len(result.enrolment.code) == 14
    node = reload(session, van_node)
    assert node.status == NodeStatus.QUARANTINED and node.enrol_code_hash  # until it enrols again


def test_b5_a_decision_that_does_not_fit_the_kind_is_refused(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron
) -> None:
    patron = make_patron()
    conflict = held_lend(van, session, patron.card_number, "T9999901", "unknown_barcode")
    with pytest.raises(RuleRefused) as refused:
        decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.KEEP))
    assert refused.value.code == "decision_does_not_fit"


def test_b5_retry_applies_a_held_operation_once_what_blocked_it_is_fixed(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    conflict = held_lend(van, session, "99990001", copy.barcode, "unknown_card")
    with pytest.raises(StillHeld):
        decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.RETRY))
    patron = make_patron(card_number="99990001")  # the card's registration reached central later
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.RETRY))
    assert open_loans(session, copy)[0].patron_id == patron.id


def _one_conflict_of_each_decision(
    van: VanOutbox, ctx: Ctx, patron: Patron, twin_of: Patron, copies: list[Item]
) -> None:
    change_email(ctx(now=NOW + timedelta(hours=2), actor=f"patron:{patron.id}"), patron, "web@example.jp")
    van.send(
        van.op(ops.Return(copies[0].barcode)),
        van.op(ops.ChangeEmail(patron.card_number, "van@example.jp")),
        van.op(ops.Lend(patron.card_number, "T9999901", DUE)),
        van.op(ops.Lend(patron.card_number, "T9999902", DUE)),
        van.op(ops.Lend("99990001", copies[1].barcode, DUE)),
        van.op(ops.RegisterPatron("80000001", twin_of.name, twin_of.name_reading, twin_of.birth_date, "", "", None)),
    )
    van.seq = 0
    van.send(van.op(ops.Return(copies[2].barcode)))


def test_b5_every_decision_is_in_the_audit_log_with_who_when_what_and_why(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron, twin_of = make_patron(email="old@example.jp"), make_patron(name="宮城 次郎")
    _, copies = make_title(copies=4)
    _one_conflict_of_each_decision(van, ctx, patron, twin_of, copies)
    make_patron(card_number="99990001")
    with transaction(session):
        twin = session.exec(select(Patron).where(Patron.card_number == "80000001")).one()
    unknown = conflicts_of(session, "unknown_barcode")
    decisions = [
        ("return_without_loan", 0, Decision(Action.KEEP, "棚を確認済み")),
        ("email_changed_both", 0, Decision(Action.TAKE_VAN, "本人に確認")),
        ("unknown_barcode", 0, Decision(Action.LINK, "ラベル貼り替え", barcode=copies[3].barcode)),
        ("unknown_barcode", 1, Decision(Action.VOID, "誤スキャン")),
        ("unknown_card", 0, Decision(Action.RETRY, "登録の到着後")),
        ("duplicate_person", 0, Decision(Action.MERGE, "同一人物", keep_patron_id=twin_of.id, drop_patron_id=twin.id)),
        ("restored_node", 0, Decision(Action.REENROL, "端末を再構築")),
    ]
    decided = []
    for minutes, (kind, index, decision) in enumerate(decisions):
        conflict = unknown[index] if kind == "unknown_barcode" else conflicts_of(session, kind)[index]
        decide(ctx(now=LATER + timedelta(minutes=minutes), actor=admin.actor), conflict.id, decision)
        decided.append(conflict.id)
    rows = audit_rows(session, "conflict.resolve")
    assert [int(r.object_id) for r in rows] == decided
    for minutes, (row, (_, _, decision)) in enumerate(zip(rows, decisions, strict=True)):
        assert row.actor == admin.actor and row.at == LATER + timedelta(minutes=minutes)
        assert json.loads(row.before)["status"] in ("open", "auto")
        after = json.loads(row.after)
        assert after["decision"] == decision.action and after["reason"] == decision.reason
    for conflict_id in decided:
        with transaction(session):
            stored = session.get(Conflict, conflict_id, populate_existing=True)
        assert stored is not None and stored.resolved_by == admin.actor and stored.resolution
    assert any(r.actor == admin.actor for r in audit_rows(session, "loan.lend"))
    assert any(r.actor == admin.actor for r in audit_rows(session, "patron.merge"))


def test_b5_a_conflict_resolved_once_cannot_be_resolved_again(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_title: MakeTitle
) -> None:
    _, (copy,) = make_title()
    van.send(van.op(ops.Return(copy.barcode)))
    (conflict,) = conflicts_of(session, "return_without_loan")
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.KEEP))
    with pytest.raises(AlreadyResolved) as again:
        decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.KEEP))
    assert "すでに処理されています" in again.value.ja


def test_b5_two_admins_resolving_one_conflict_at_once_apply_it_once(
    van: VanOutbox,
    engine: Engine,
    session: Session,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    conflict = held_lend(van, session, patron.card_number, "T9999901", "unknown_barcode")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def admin_decides(actor: str) -> None:
        with new_session(engine) as own:
            decider = ServiceContext(own, CirculationPolicy(), actor, None, LATER)
            start.wait()
            try:
                decide(decider, conflict.id, Decision(Action.LINK, actor, barcode=copy.barcode))
                outcomes.append("applied")
            except AlreadyResolved:
                outcomes.append("already resolved")

    threads = [threading.Thread(target=admin_decides, args=(a,)) for a in (admin.actor, "staff:99")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already resolved", "applied"]
    assert len(open_loans(session, copy)) == 1
    assert len(audit_rows(session, "conflict.resolve")) == 1
    assert len([r for r in audit_rows(session, "loan.lend") if r.at == NOW]) == 1


def test_spec6_merging_two_records_with_accounts_keeps_the_password_set_last_and_moves_blocks(
    ctx: Ctx, session: Session, make_patron: MakePatron
) -> None:
    keep, drop = make_patron(), make_patron(email=None)
    old = apply_internet_service(ctx(now=NOW - timedelta(days=30)), keep, "driving_licence").temporary_password
    new = apply_internet_service(ctx(now=NOW - timedelta(days=1)), drop, "passport").temporary_password
    add_block(ctx(), drop, "lost_card")
    report = merge_patrons(ctx(now=LATER), keep, drop)
    assert report.account == "replaced" and report.blocks == 1
    later = ctx(now=LATER)
    assert authenticate(later, keep.card_number, new or "").id == keep.id
    with pytest.raises(AuthenticationFailed):
        authenticate(later, keep.card_number, old or "")
    with transaction(session):
        assert [b.patron_id for b in session.exec(select(PatronBlock))] == [keep.id]
    with pytest.raises(RuleRefused):
        merge_patrons(ctx(now=LATER), keep, drop)  # a merged record cannot be merged again


def test_spec1_b5_what_a_linked_operation_meets_when_applied_becomes_a_new_conflict(
    van: VanOutbox, ctx: Ctx, session: Session, admin: StaffMember, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    earlier, walk_in = make_patron(), make_patron()
    _, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=5)), earlier, copy.barcode)  # its return was never recorded
    conflict = held_lend(van, session, walk_in.card_number, "T9999901", "unknown_barcode")
    result = decide(ctx(now=LATER, actor=admin.actor), conflict.id, Decision(Action.LINK, barcode=copy.barcode))
    (stale,) = conflicts_of(session, "stale_loan_closed")
    assert result.raised == (stale.id,) and stale.status == ConflictStatus.AUTO
    assert open_loans(session, copy)[0].patron_id == walk_in.id


def test_no_reading_history_a_merge_decided_in_a_conflict_names_its_cancelled_holds_no_more_after_the_night(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    """The decision's audit row lists the holds the merge cancelled; once those holds forgot their
    patron, no audit row may still say whose they were."""
    desk, twin, bib, conflict = _twins_and_a_title_out_on_loan(van, ctx, session, make_patron, make_title)
    place_hold(ctx(now=NOW + timedelta(hours=9)), desk, bib.id, ctx().location_id, "phone")
    cancelled = place_hold(ctx(now=NOW + timedelta(hours=10)), twin, bib.id, ctx().location_id, "phone")
    merge = Decision(Action.MERGE, keep_patron_id=desk.id, drop_patron_id=twin.id)
    decide(ctx(now=LATER, actor=admin.actor), conflict.id, merge)
    assert any(str(cancelled.id) in row.after for row in audit_rows(session, "conflict.resolve"))

    report = run_on(engine, settings_for(engine, tmp_path), LATER.date() + timedelta(days=1))

    assert not report.errors and report.counts["anonymise_loans"]["holds_anonymised"] == 1
    with new_session(engine) as fresh:
        rows = fresh.exec(select(AuditEntry).where(col(AuditEntry.action).in_(["conflict.resolve", "patron.merge"])))
        kept = [json.loads(row.after or "{}").get("holds_cancelled") for row in rows]
    assert 1 in kept and not any(isinstance(listed, list) for listed in kept)  # a count, not whose holds
