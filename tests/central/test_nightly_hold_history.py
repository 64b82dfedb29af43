"""No reading history for holds: after the nightly job a closed hold (fulfilled, cancelled, expired)
names no patron - not in the hold row, the audit log or the notice ledger - while open holds keep
theirs, and every page that shows a patron's holds still works."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from central.db import migrate, new_session
from central.models import AuditEntry, Hold, HoldStatus, Item, Location
from central.nightly.staff_list import staff_list
from central.services.accounts import apply_internet_service
from central.services.circulation import lend, return_item
from central.services.context import ServiceContext
from central.services.holds import cancel_hold, place_hold
from central.services.housekeeping import ANONYMOUS_PATRON
from central.services.lookup import patron_by_id
from central.services.merge import merge_patrons
from central.services.offline import record_hand_over, record_offline_lend
from central.staff.accounts import add_staff
from central.web.app import create_app
from tests.central.conftest import NOW
from tests.central.migrating import downgrade
from tests.central.test_nightly_support import (
    Ctx,
    MakePatron,
    MakeTitle,
    fresh,
    notices,
    ready_hold,
    run_on,
    settings_for,
    tokyo_night,
)
from tests.staff.helpers import staff_sign_in
from tests.web.helpers import api_token, sign_in

TODAY = date(2026, 6, 10)  # NOW's Tokyo date: the holds below close today
NIGHT = date(2026, 6, 11)  # the night after
SECRET = "hold-history-secret-" + "z" * 40
STAFF_PASSWORD = "kanri-2026-secret"


def _hold_patron(engine: Engine, hold: Hold) -> int | None:
    return fresh(engine, Hold, hold.id).patron_id


def _patron_actors(engine: Engine, hold: Hold) -> list[str]:
    """The actors of the audit rows on this hold that name a patron."""
    with new_session(engine) as session:
        return list(
            session.exec(
                select(AuditEntry.actor).where(
                    AuditEntry.object_type == "hold",
                    AuditEntry.object_id == str(hold.id),
                    col(AuditEntry.actor).startswith("patron:"),
                )
            )
        )


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with new_session(engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))))


def _queued_hold(ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle, **kw: object) -> Hold:
    """A hold waiting for a copy: the title's only copy is out on loan."""
    bib, (copy,) = make_title(**kw)
    lend(ctx(), make_patron(email=None), copy.barcode)
    holder = make_patron()
    return place_hold(ctx(actor=f"patron:{holder.id}"), holder, bib.id, ctx().location_id, "email")  # type: ignore[arg-type]


def test_no_reading_history_fulfilled_cancelled_and_expired_holds_lose_their_patron_after_the_night(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    fulfilled, holder, copy = ready_hold(ctx, make_patron, make_title)
    lend(ctx(), holder, copy.barcode)
    cancelled = _queued_hold(ctx, make_patron, make_title)
    cancel_hold(ctx(), cancelled)
    expired, _, _ = ready_hold(ctx, make_patron, make_title)  # last pickup day: 2026-06-17
    assert {fulfilled.status, cancelled.status} == {HoldStatus.FULFILLED, HoldStatus.CANCELLED}

    report = run_on(engine, settings, date(2026, 6, 18))

    assert report.counts["expire_holds"]["expired"] == 1
    assert report.counts["anonymise_loans"]["holds_anonymised"] == 3
    for hold, status in ((fulfilled, "fulfilled"), (cancelled, "cancelled"), (expired, "expired")):
        kept = fresh(engine, Hold, hold.id)
        # The row stays for the title's statistics; nothing in it names the patron any more.
        assert (kept.patron_id, kept.status, kept.bib_id) == (None, status, hold.bib_id)
    (summary,) = _audit(engine, "hold.anonymise")
    assert (summary.actor, json.loads(summary.after)) == (
        "system:nightly",
        {"holds": 3, "closed_before": "2026-06-19T00:00:00+09:00"},
    )
    assert run_on(engine, settings, date(2026, 6, 19)).counts["anonymise_loans"]["holds_anonymised"] == 0


def test_no_reading_history_queued_in_transit_and_ready_holds_keep_their_patron(
    engine: Engine,
    tmp_path: Path,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
) -> None:
    settings = settings_for(engine, tmp_path)
    queued = _queued_hold(ctx, make_patron, make_title)
    ready, _, _ = ready_hold(ctx, make_patron, make_title)
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(email=None), copy.barcode)
    to_stop = place_hold(ctx(), make_patron(), bib.id, locations["stop"].id, "email")  # type: ignore[arg-type]
    return_item(ctx(), copy.barcode)  # back at the main library: it travels to the stop
    assert (queued.status, ready.status, to_stop.status) == ("queued", "ready", "in_transit")

    report = run_on(engine, settings, NIGHT)

    assert report.counts["anonymise_loans"]["holds_anonymised"] == 0
    for hold in (queued, ready, to_stop):
        assert hold.patron_id is not None and _hold_patron(engine, hold) == hold.patron_id


def test_no_reading_history_a_closed_hold_keeps_its_patron_for_the_configured_grace_days(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path, loan_history_grace_days=3)
    hold = _queued_hold(ctx, make_patron, make_title)
    cancel_hold(ctx(), hold)  # closed on 2026-06-10
    for day in (date(2026, 6, 10), date(2026, 6, 12)):
        assert run_on(engine, settings, day).counts["anonymise_loans"]["holds_anonymised"] == 0
        assert hold.patron_id is not None and _hold_patron(engine, hold) == hold.patron_id

    assert run_on(engine, settings, date(2026, 6, 13)).counts["anonymise_loans"]["holds_anonymised"] == 1
    assert _hold_patron(engine, hold) is None


def test_no_reading_history_the_patrons_own_audit_rows_on_a_forgotten_hold_no_longer_name_them(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    own = _queued_hold(ctx, make_patron, make_title)  # placed on the web: actor patron:<id>
    cancel_hold(ctx(actor=f"patron:{own.patron_id}"), own)
    at_desk = _queued_hold(ctx, make_patron, make_title)
    cancel_hold(ctx(actor="staff:7"), at_desk)
    still_open = _queued_hold(ctx, make_patron, make_title)
    assert _patron_actors(engine, own) == [f"patron:{own.patron_id}"] * 2

    run_on(engine, settings, NIGHT)

    assert _patron_actors(engine, own) == [ANONYMOUS_PATRON] * 2
    assert _patron_actors(engine, still_open) == [f"patron:{still_open.patron_id}"]
    # The rows stay, so the log still counts what was done; what staff did stays theirs.
    cancels = _audit(engine, "hold.cancel")
    assert [(row.object_id, row.actor) for row in cancels] == [
        (str(own.id), ANONYMOUS_PATRON),
        (str(at_desk.id), "staff:7"),
    ]


def test_no_reading_history_a_van_lend_that_took_a_held_copy_leaves_no_holder_in_the_audit_once_forgotten(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """R14 on the van: the requeued hold's audit row says whose hold it was; once the hold is closed
    and forgotten, it says so no more."""
    settings = settings_for(engine, tmp_path)
    hold, holder, copy = ready_hold(ctx, make_patron, make_title)
    record_offline_lend(ctx(actor="node:BM1-A"), make_patron(), copy, TODAY + timedelta(days=14))
    (requeue,) = _audit(engine, "hold.requeue")
    assert json.loads(requeue.before)["hold_patron_id"] == holder.id
    cancel_hold(ctx(), hold)

    run_on(engine, settings, NIGHT)

    (requeue,) = _audit(engine, "hold.requeue")
    assert json.loads(requeue.before) == {"hold_id": hold.id, "hold_patron_id": None, "hold_status": "ready"}


def test_no_reading_history_the_hold_ready_notice_of_a_forgotten_hold_is_deleted(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    collected, holder, copy = ready_hold(ctx, make_patron, make_title)
    waiting, _, _ = ready_hold(ctx, make_patron, make_title)
    run_on(engine, settings, NIGHT)  # both are told their copy waits
    assert sorted(n.object_id for n in notices(engine) if n.event == "hold_ready") == [collected.id, waiting.id]
    lend(ctx(now=NOW + timedelta(days=1, hours=2)), holder, copy.barcode)

    report = run_on(engine, settings, date(2026, 6, 12))

    assert report.counts["anonymise_loans"]["notices_deleted"] == 1
    assert [(n.object_id, n.patron_id) for n in notices(engine) if n.event == "hold_ready"] == [
        (waiting.id, waiting.patron_id)
    ]


def test_no_reading_history_a_merge_record_counts_the_holds_it_cancelled_once_they_are_forgotten(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(email=None), copy.barcode)
    keep, drop = make_patron(), make_patron()
    kept = place_hold(ctx(), keep, bib.id, ctx().location_id, "email")  # type: ignore[arg-type]
    twin = place_hold(ctx(), drop, bib.id, ctx().location_id, "email")  # type: ignore[arg-type]
    assert merge_patrons(ctx(), keep, drop).holds_cancelled == (twin.id,)
    (merge,) = _audit(engine, "patron.merge")
    assert json.loads(merge.after)["holds_cancelled"] == [twin.id]

    run_on(engine, settings, NIGHT)

    assert (_hold_patron(engine, twin), _hold_patron(engine, kept)) == (None, keep.id)
    (merge,) = _audit(engine, "patron.merge")
    facts = json.loads(merge.after)
    assert (facts["holds_cancelled"], facts["merged_into_id"]) == (1, keep.id)


def test_merging_patrons_leaves_a_forgotten_hold_forgotten_and_moves_the_open_ones(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    drop, keep = make_patron(), make_patron()
    old_bib, (old_copy,) = make_title(title="こころ")
    new_bib, (new_copy,) = make_title(title="坊っちゃん")
    for copy in (old_copy, new_copy):
        lend(ctx(), make_patron(email=None), copy.barcode)
    closed = place_hold(ctx(), drop, old_bib.id, ctx().location_id, "email")  # type: ignore[arg-type]
    cancel_hold(ctx(), closed)
    still_open = place_hold(ctx(), drop, new_bib.id, ctx().location_id, "email")  # type: ignore[arg-type]
    run_on(engine, settings, NIGHT)

    with new_session(engine) as session:  # the next day, at the desk
        desk = ServiceContext(session, ctx().policy, "staff:1", ctx().location_id, NOW + timedelta(days=1))
        report = merge_patrons(desk, patron_by_id(session, keep.id), patron_by_id(session, drop.id))  # type: ignore[arg-type]

    assert (report.holds_moved, report.holds_cancelled) == (1, ())
    assert (_hold_patron(engine, closed), _hold_patron(engine, still_open)) == (None, keep.id)


def test_a_van_handing_over_a_hold_central_closed_and_forgot_still_records_the_loan_for_its_patron(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """A van back after days away hands over a hold that expired meanwhile: the loan stands, and the
    disagreement names no holder, since central no longer knows one."""
    settings = settings_for(engine, tmp_path)
    hold, holder, copy = ready_hold(ctx, make_patron, make_title)  # last pickup day: 2026-06-17
    run_on(engine, settings, date(2026, 6, 18))  # expired and forgotten
    assert _hold_patron(engine, hold) is None

    with new_session(engine) as session:
        van = ServiceContext(session, ctx().policy, "node:BM1-A", ctx().location_id, NOW + timedelta(days=8))
        forgotten, item = session.get(Hold, hold.id), session.get(Item, copy.id)
        assert forgotten is not None and item is not None and holder.id is not None
        due = TODAY + timedelta(days=22)
        loan, found = record_hand_over(van, forgotten, patron_by_id(session, holder.id), item, due)
        lent_to = loan.patron_id

    assert lent_to == holder.id
    assert [(d.kind, d.central_facts) for d in found] == [
        ("hand_over_of_closed_hold", {"hold_status": "expired", "hold_patron_id": None})
    ]
    assert _hold_patron(engine, hold) is None


def test_patron_and_staff_pages_still_show_the_open_holds_after_a_closed_one_was_forgotten(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path, secret_key=SECRET)
    patron = make_patron(email=None)  # the ready notice goes to the staff list
    password = apply_internet_service(ctx(), patron, "driving_licence").temporary_password
    assert password is not None
    add_staff(ctx(actor="operator:test"), "kanri", "admin", STAFF_PASSWORD, "管理 花子")
    (gone_bib, (gone_copy,)), (open_bib, (open_copy,)), (ready_bib, (ready_copy,)) = (
        make_title(title=title) for title in ("それから", "三四郎", "門")
    )
    for copy in (gone_copy, open_copy, ready_copy):
        lend(ctx(), make_patron(email=None), copy.barcode)
    gone, _, _ = [
        place_hold(ctx(), patron, bib.id, ctx().location_id, "phone")  # type: ignore[arg-type]
        for bib in (gone_bib, open_bib, ready_bib)
    ]
    return_item(ctx(), ready_copy.barcode)  # 門 waits on the hold shelf
    cancel_hold(ctx(), gone)
    run_on(engine, settings, NIGHT)
    assert _hold_patron(engine, gone) is None

    app = create_app(settings, require_secret=True, clock=lambda: tokyo_night(NIGHT) + timedelta(hours=8))
    with TestClient(app) as client:
        sign_in(client, patron.card_number, password)
        account = client.get("/account")
        assert account.status_code == 200
        assert "三四郎" in account.text and "門" in account.text and "それから" not in account.text
        assert client.get(f"/holds/done?hold={gone.id}").status_code == 200
        headers = api_token(client, patron.card_number, password)
        listed = client.get("/api/v1/holds", headers=headers)
        assert listed.status_code == 200, listed.text
        assert sorted(h["title"] for h in listed.json()) == ["三四郎", "門"]
        # The forgotten hold is nobody's now, so not this patron's to cancel either.
        assert client.delete(f"/api/v1/holds/{gone.id}", headers=headers).status_code == 404

    with TestClient(app) as client:
        staff_sign_in(client, "kanri", STAFF_PASSWORD)
        record = client.get(f"/staff/patrons/{patron.id}")
        assert record.status_code == 200
        assert "三四郎" in record.text and "門" in record.text and "それから" not in record.text
        shelf = client.get("/staff/desk/holds")
        assert shelf.status_code == 200 and "門" in shelf.text
    with new_session(engine) as session:
        assert [(entry.card_number, entry.detail.split(" / ")[0]) for entry in staff_list(session)] == [
            (patron.card_number, "門")
        ]


def _patron_id_nullable(engine: Engine) -> bool:
    (column,) = [c for c in inspect(engine).get_columns("hold") if c["name"] == "patron_id"]
    return bool(column["nullable"])


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _holds(engine: Engine) -> list[tuple[object, ...]]:
    with new_session(engine) as session:
        holds = session.exec(select(Hold).order_by(col(Hold.id))).all()
    return [(h.id, h.patron_id, h.bib_id, h.status, h.queue_number) for h in holds]


def test_migration_0015_lets_a_hold_lose_its_patron_and_goes_down_while_every_hold_still_names_one(
    engine: Engine, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    cancel_hold(ctx(), _queued_hold(ctx, make_patron, make_title))  # closed, not yet forgotten
    _queued_hold(ctx, make_patron, make_title)
    before = _holds(engine)
    assert _patron_id_nullable(engine)

    downgrade(engine, "0014")
    try:
        assert not _patron_id_nullable(engine)
        assert _holds(engine) == before
    finally:
        migrate(engine)

    assert _patron_id_nullable(engine) and _holds(engine) == before


def test_migration_0015_refuses_to_go_down_once_the_night_forgot_a_holds_patron(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    hold = _queued_hold(ctx, make_patron, make_title)
    cancel_hold(ctx(), hold)
    run_on(engine, settings_for(engine, tmp_path), NIGHT)
    before, head = _holds(engine), _revision(engine)

    with pytest.raises(RuntimeError, match="cannot downgrade below 0015: the nightly job has cleared the patron of 1"):
        downgrade(engine, "0014")

    assert (_revision(engine), _patron_id_nullable(engine), _holds(engine)) == (head, True, before)
    assert _hold_patron(engine, hold) is None


def test_no_reading_history_the_database_refuses_an_open_hold_without_its_patron(
    engine: Engine, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """Only a closed hold may lose its patron (migration 0018): whatever writes, not only the
    services, cannot leave an open hold nobody can be told about."""
    hold = _queued_hold(ctx, make_patron, make_title)
    with engine.connect() as connection:
        with pytest.raises(IntegrityError), connection.begin():
            connection.execute(update(Hold).where(col(Hold.id) == hold.id).values(patron_id=None))
        with connection.begin():
            connection.execute(
                update(Hold).where(col(Hold.id) == hold.id).values(patron_id=None, status=HoldStatus.CANCELLED)
            )
    with new_session(engine) as session:
        closed = session.get(Hold, hold.id)
        assert closed is not None and closed.patron_id is None
