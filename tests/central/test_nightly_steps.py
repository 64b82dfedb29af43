"""The nightly job's steps (R5, R10, R12, hold expiry) and their idempotency, on a real SQLite file.

Mail goes to the outbox folder here; tests/central/test_mail_smtp.py sends it over real SMTP.
"""

import json
import logging
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from central.db import new_session
from central.mail.ledger import NoticeKind, NoticeStatus
from central.models import (
    AuditEntry,
    Hold,
    HoldStatus,
    InternetAccount,
    Item,
    ItemStatus,
    Location,
    NightlyRun,
    Patron,
)
from central.nightly.job import STEPS
from central.nightly.night import Night, StepResult
from central.nightly.staff_list import mark_contacted, staff_list
from central.services.accounts import apply_internet_service
from central.services.circulation import lend
from central.services.context import transaction
from central.services.holds import place_hold
from sync_protocol.activation import Channel
from sync_protocol.passwords import hash_password
from tests.central.conftest import NOW
from tests.central.test_nightly_support import (
    Ctx,
    MakePatron,
    MakeTitle,
    free_port,
    fresh,
    notices,
    outbox,
    ready_hold,
    run_on,
    settings_for,
)

TODAY = date(2026, 6, 10)  # NOW's Tokyo date
DUE = date(2026, 6, 24)  # a loan made at NOW


def test_r5_bookmobile_application_is_activated_by_the_next_nights_run(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron
) -> None:
    settings = settings_for(engine, tmp_path)
    van_patron, desk_patron = make_patron(), make_patron()
    apply_internet_service(
        ctx(location="van"), van_patron, "driving_licence", Channel.BOOKMOBILE, password_hash=hash_password("pw")
    )
    apply_internet_service(ctx(), desk_patron, "health_insurance")
    assert run_on(engine, settings, TODAY).counts["activate_accounts"] == {"activated": 0}
    report = run_on(engine, settings, date(2026, 6, 11))
    assert report.counts["activate_accounts"] == {"activated": 1}
    with new_session(engine) as session:
        account = session.exec(select(InternetAccount).where(InternetAccount.patron_id == van_patron.id)).one()
        assert account.activated_at is not None and account.active_from == date(2026, 6, 11)
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "account.activate")).all()
        assert [(a.actor, a.object_id) for a in audit] == [("system:nightly", str(van_patron.id))]
    assert run_on(engine, settings, date(2026, 6, 11)).counts["activate_accounts"] == {"activated": 0}


def test_r10_hold_ready_notice_names_the_pickup_place_and_last_day_once(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    hold, patron, _ = ready_hold(ctx, make_patron, make_title, name="比嘉花子")
    report = run_on(engine, settings, TODAY)
    assert report.counts["hold_ready_notices"]["email"] == 1 and report.counts["send_mail"]["sent"] == 1
    (message,) = outbox(settings)
    body = message.get_content()
    assert "比嘉花子 様" in body and "受取場所: 本館" in body and "2026年6月17日(水)まで" in body
    assert "吾輩は猫である" not in body  # no titles in a mailbox
    (notice,) = notices(engine)
    assert (notice.patron_id, notice.event, notice.object_id, notice.status) == (
        patron.id,
        "hold_ready",
        hold.id,
        NoticeStatus.SENT,
    )
    again = run_on(engine, settings, TODAY)
    assert again.counts["hold_ready_notices"]["email"] == 0 and again.counts["send_mail"]["sent"] == 0
    assert len(outbox(settings)) == 1


def test_r10_overdue_reminders_go_out_at_1_8_and_15_days_once_each(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    _, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    sent_per_night = {}
    for day in (DUE, date(2026, 6, 25), date(2026, 6, 26), date(2026, 7, 2), date(2026, 7, 3), date(2026, 7, 9)):
        sent_per_night[day.isoformat()] = run_on(engine, settings, day).counts["send_mail"]["sent"]
    assert sent_per_night == {
        "2026-06-24": 0,
        "2026-06-25": 1,
        "2026-06-26": 0,
        "2026-07-02": 1,
        "2026-07-03": 0,
        "2026-07-09": 1,
    }
    assert [n.event for n in notices(engine)] == ["overdue_1", "overdue_8", "overdue_15"]
    bodies = [m.get_content() for m in outbox(settings)]
    assert all("返却期限: 2026年6月24日(水)" in body for body in bodies)
    assert sorted(int(days) for days in re.findall(r"\((\d+)日経過\)", "\n".join(bodies))) == [1, 8, 15]


def test_r10_after_missed_nights_only_the_highest_reminder_reached_is_sent(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    _, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    assert run_on(engine, settings, date(2026, 7, 4)).counts["overdue_reminders"]["email"] == 1  # 10 days
    assert run_on(engine, settings, date(2026, 7, 5)).counts["overdue_reminders"]["email"] == 0
    assert [n.event for n in notices(engine)] == ["overdue_8"]
    assert "(10日経過)" in outbox(settings)[0].get_content()


def test_r10_overdue_reminder_days_are_configurable(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path, overdue_reminder_days=[3])
    _, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    assert run_on(engine, settings, date(2026, 6, 26)).counts["overdue_reminders"]["email"] == 0
    assert run_on(engine, settings, date(2026, 6, 27)).counts["overdue_reminders"]["email"] == 1
    assert [n.event for n in notices(engine)] == ["overdue_3"]


def test_r10_patrons_without_email_or_choosing_telephone_are_listed_for_staff(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle, session: Session
) -> None:
    settings = settings_for(engine, tmp_path)
    ready_hold(ctx, make_patron, make_title, contact="phone", name="電話希望")
    _, (copy,) = make_title("こころ")
    lend(ctx(now=NOW - timedelta(days=20)), make_patron(email=None, name="メールなし"), copy.barcode)
    report = run_on(engine, settings, TODAY)
    assert report.counts["hold_ready_notices"]["staff_list"] == 1
    assert report.counts["overdue_reminders"]["staff_list"] == 1
    assert report.counts["send_mail"] == {"sent": 0, "failed": 0} and outbox(settings) == []
    with new_session(engine) as reader:
        entries = staff_list(reader)
    assert [(e.patron_name, e.what, e.reason) for e in entries] == [
        ("電話希望", "予約資料の確保", "電話連絡を希望"),
        ("メールなし", "督促(1日)", "メールアドレス未登録"),
    ]
    assert "吾輩は猫である" in entries[0].detail and "本館" in entries[0].detail
    assert "こころ" in entries[1].detail
    with new_session(engine) as writer:
        assert mark_contacted(writer, [entries[0].notice_id], NOW) == 1
    with new_session(engine) as reader:
        assert [e.patron_name for e in staff_list(reader)] == ["メールなし"]


def test_r12_refused_address_is_never_queued_for_mail(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle, session: Session
) -> None:
    settings = settings_for(engine, tmp_path)
    _, (copy,) = make_title()
    patron = make_patron()
    lend(ctx(), patron, copy.barcode)
    with transaction(session):  # an address stored before R12 was enforced (old carrier style)
        session.exec(update(Patron).where(col(Patron.id) == patron.id).values(email="taro.@ezweb.ne.jp"))
    report = run_on(engine, settings, date(2026, 6, 25))
    assert report.counts["overdue_reminders"] == {"email": 0, "staff_list": 1, "withdrawn": 0}
    (notice,) = notices(engine)
    assert notice.kind == NoticeKind.STAFF_LIST and notice.address == ""
    with new_session(engine) as reader:
        assert staff_list(reader)[0].reason == "メールアドレス不備(R12)"


def test_uncollected_hold_expires_and_its_copy_goes_to_the_next_hold_told_the_same_night(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    first, _, copy = ready_hold(ctx, make_patron, make_title)
    second = place_hold(ctx(), make_patron(name="二番目"), first.bib_id, ctx().location_id, "email")  # type: ignore[arg-type]
    assert run_on(engine, settings, date(2026, 6, 17)).counts["expire_holds"]["expired"] == 0  # the last day
    report = run_on(engine, settings, date(2026, 6, 18))
    assert report.counts["expire_holds"] == {"expired": 1, "ready_for_next": 1, "in_transit_to_next": 0, "to_shelf": 0}
    assert fresh(engine, Hold, first.id).status == HoldStatus.EXPIRED
    passed_on = fresh(engine, Hold, second.id)
    assert (passed_on.status, passed_on.item_id, passed_on.pickup_deadline) == (
        HoldStatus.READY,
        copy.id,
        date(2026, 6, 25),
    )
    assert fresh(engine, Item, copy.id).status == ItemStatus.ON_HOLD_SHELF
    assert report.counts["hold_ready_notices"]["email"] == 1
    assert "2026年6月25日(木)まで" in outbox(settings)[-1].get_content()


def test_uncollected_hold_of_a_van_copy_leaves_it_available_where_it_stands(
    engine: Engine,
    tmp_path: Path,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    session: Session,
    locations: dict[str, Location],
) -> None:
    settings = settings_for(engine, tmp_path)
    hold, _, copy = ready_hold(ctx, make_patron, make_title)
    with transaction(session):  # the copy belongs to the van, and waited at the main library
        session.exec(update(Item).where(col(Item.id) == copy.id).values(home_location_id=locations["van"].id))
    report = run_on(engine, settings, date(2026, 6, 18))
    assert report.counts["expire_holds"]["to_shelf"] == 1
    item = fresh(engine, Item, copy.id)
    assert (item.status, item.current_location_id) == (ItemStatus.AVAILABLE, locations["main"].id)
    assert fresh(engine, Hold, hold.id).status == HoldStatus.EXPIRED


def test_r10_a_pending_notice_is_withdrawn_when_the_hold_was_collected_meanwhile(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())  # nothing listens
    hold, patron, copy = ready_hold(ctx, make_patron, make_title)
    assert run_on(engine, settings, TODAY, transport=None).counts["send_mail"]["failed"] == 1
    lend(ctx(), patron, copy.barcode)  # collected at the desk before the next night
    report = run_on(engine, settings_for(engine, tmp_path), date(2026, 6, 11))
    assert report.counts["hold_ready_notices"]["withdrawn"] == 1 and report.counts["send_mail"]["sent"] == 0
    # Withdrawn, never sent; the same night the fulfilled hold forgets its patron and the notice goes.
    assert report.counts["anonymise_loans"]["notices_deleted"] == 1 and notices(engine) == []
    assert fresh(engine, Hold, hold.id).status == HoldStatus.FULFILLED


def test_a_second_run_for_the_same_night_changes_and_sends_nothing(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    ready_hold(ctx, make_patron, make_title)
    _, (copy,) = make_title("こころ")
    lend(ctx(), make_patron(), copy.barcode)
    night = date(2026, 6, 25)  # the hold expired, the loan is a day overdue
    first = run_on(engine, settings, night)
    assert first.counts["expire_holds"]["expired"] == 1 and first.counts["send_mail"]["sent"] == 1
    with new_session(engine) as session:
        audit_rows = len(session.exec(select(AuditEntry)).all())
    second = run_on(engine, settings, night)
    assert all(value == 0 for counts in second.counts.values() for value in counts.values()), second.counts
    with new_session(engine) as session:
        assert len(session.exec(select(AuditEntry)).all()) == audit_rows
    assert len(outbox(settings)) == 1


def test_run_summary_is_logged_and_stored_with_counts_per_step(
    engine: Engine,
    tmp_path: Path,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(engine, tmp_path)
    ready_hold(ctx, make_patron, make_title)
    with caplog.at_level(logging.INFO, logger="central.nightly"):
        report = run_on(engine, settings, TODAY)
    assert "nightly 2026-06-10: hold_ready_notices {'email': 1, 'staff_list': 0, 'withdrawn': 0}" in caplog.text
    with new_session(engine) as session:
        (run,) = session.exec(select(NightlyRun)).all()
    assert (run.id, run.run_date, run.status, run.trigger) == (report.run_id, TODAY, "completed", "manual")
    stored = json.loads(run.summary)
    assert stored["counts"]["send_mail"] == {"sent": 1, "failed": 0}
    assert list(stored["counts"]) == [name for name, _ in STEPS]


def test_a_failing_step_is_reported_and_the_other_steps_still_run(
    engine: Engine,
    tmp_path: Path,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_for(engine, tmp_path)
    ready_hold(ctx, make_patron, make_title)

    def broken(night: Night) -> StepResult:
        raise RuntimeError("disk full")

    faulty = tuple((name, broken if name == "expire_holds" else step) for name, step in STEPS)
    monkeypatch.setattr("central.nightly.job.STEPS", faulty)
    report = run_on(engine, settings, TODAY)
    assert report.status == "failed" and report.errors == {"expire_holds": "RuntimeError: disk full"}
    assert report.counts["send_mail"]["sent"] == 1
    with new_session(engine) as session:
        assert session.exec(select(NightlyRun.status)).one() == "failed"
