"""Issue 10, item 2: holds delivered to a stop - routed to the van, loaded (an operation), made
ready on the van for two visits, notified then (R10, naming the stop and the visit), and sent back
to the main library when nobody collects them. Central in-process; the van's operations as batches."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from central.models import CancelReason, Hold, HoldStatus, Item, ItemStatus, Location, Route
from central.services.circulation import lend, return_item
from central.services.holds import cancel_hold, place_hold
from central.services.routes import cancel_visit
from central.sync.downstream import full_snapshot
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
from sync_protocol.snapshot import HoldState, ItemState
from sync_protocol.timezone import TOKYO
from tests.central.test_nightly_support import notices, outbox, run_on, settings_for
from tests.routes.conftest import Ctx, MakePatron, MakeTitle, caught_for_stop
from tests.sync.conftest import NOW, VanOutbox, reload


def tokyo(day: date, hour: int = 8) -> datetime:
    """`hour` o'clock in Tokyo on `day` (the van loads at 8, before it leaves)."""
    return datetime.combine(day, time(hour), TOKYO)


def load(van: VanOutbox, hold: Hold, copy: Item, day: date) -> None:
    receipt = van.send(van.op(ops.LoadHoldCopy(hold.id, copy.barcode), at=tokyo(day)), received=tokyo(day, 20))  # type: ignore[arg-type]
    assert receipt.operations[0].outcome == Outcome.APPLIED and receipt.operations[0].conflict_id is None


def test_issue10_a_copy_caught_for_a_stop_hold_is_listed_to_load_on_the_stops_van(
    van: VanOutbox,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    hold, patron, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"])
    assert copy.status == ItemStatus.IN_TRANSIT and copy.current_location_id == locations["main"].id
    snapshot = full_snapshot(ctx(), van.node, "図書館")
    (listed,) = snapshot.holds
    assert (listed.hold_id, listed.barcode, listed.state, listed.stop_code) == (
        hold.id,
        copy.barcode,
        HoldState.TO_LOAD,
        "BM1-S01",
    )
    carried = {i.barcode: i for i in snapshot.items}
    assert carried[copy.barcode].status == ItemState.IN_TRANSIT and carried[copy.barcode].hold_id == hold.id
    assert [v.day for v in snapshot.visits][:3] == [date(2026, 6, 10), date(2026, 6, 17), date(2026, 6, 24)]
    assert snapshot.visits[0].starts == "10:00" and snapshot.visits[0].ends == "10:40"


def test_issue10_loading_makes_the_hold_ready_on_the_van_for_the_stops_next_two_visits(
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    hold, _, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"])
    load(van, hold, copy, date(2026, 6, 16))
    hold, copy = reload(session, hold), reload(session, copy)
    assert hold.status == HoldStatus.READY and copy.status == ItemStatus.ON_HOLD_SHELF
    assert copy.current_location_id == locations["van"].id
    assert hold.pickup_deadline == date(2026, 6, 24)  # visits of 06-17 and 06-24, not seven open days
    (listed,) = full_snapshot(ctx(now=tokyo(date(2026, 6, 16), 21)), van.node, "図書館").holds
    assert listed.state == HoldState.ON_VAN and listed.pickup_deadline == date(2026, 6, 24)


def test_r10_issue10_the_ready_notice_waits_for_the_van_and_names_the_stop_and_the_visit(
    van: VanOutbox,
    ctx: Ctx,
    engine: Engine,
    tmp_path: Path,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    settings = settings_for(engine, tmp_path)
    hold, _, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"], name="比嘉花子")
    for night in (date(2026, 6, 11), date(2026, 6, 16)):
        run_on(engine, settings, night)
        assert notices(engine) == []  # the copy is still at the main library
    load(van, hold, copy, date(2026, 6, 16))
    run_on(engine, settings, date(2026, 6, 17))
    (message,) = outbox(settings)
    body = message.get_content()
    assert "比嘉花子 様" in body and "受取場所: 移動図書館ちゅらゆめ号 大山公民館" in body
    assert "お渡し日: 2026年6月17日(水) 10:00〜10:40" in body
    assert "取置期限: 2026年6月24日(水)の巡回まで" in body


def test_issue10_cancelled_visit_the_hold_waits_for_the_next_visit_and_no_notice_goes_early(
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    engine: Engine,
    tmp_path: Path,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    settings = settings_for(engine, tmp_path)
    admin = ctx(actor="staff:admin")
    cancel_visit(admin, weekly_route, date(2026, 6, 17), CancelReason.BREAKDOWN, "車両故障")
    hold, _, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"])
    visits = full_snapshot(ctx(), van.node, "図書館").visits
    assert [(v.day, v.cancelled) for v in visits[1:3]] == [(date(2026, 6, 17), True), (date(2026, 6, 24), False)]
    for night in (date(2026, 6, 16), date(2026, 6, 17), date(2026, 6, 18)):
        run_on(engine, settings, night)
    assert notices(engine) == []  # the cancelled visit's date passed; the copy never left the library
    load(van, hold, copy, date(2026, 6, 23))
    assert reload(session, hold).pickup_deadline == date(2026, 7, 1)  # 06-24 and 07-01: visits that happen
    run_on(engine, settings, date(2026, 6, 24))
    (message,) = outbox(settings)
    assert "お渡し日: 2026年6月24日(水)" in message.get_content() and "6月17日" not in message.get_content()
    # A breakdown after the copy was loaded: the patron keeps two real visits to collect it.
    outcome = cancel_visit(admin, weekly_route, date(2026, 7, 1), CancelReason.BREAKDOWN)
    assert outcome.holds_waiting == 1
    assert reload(session, hold).pickup_deadline == date(2026, 7, 8)


def test_issue10_uncollected_after_two_visits_the_copy_goes_back_to_the_main_library_and_the_hold_passes_on(
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    engine: Engine,
    tmp_path: Path,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    settings = settings_for(engine, tmp_path)
    hold, _, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"])
    second = make_patron(name="金城次郎")
    waiting = place_hold(ctx(), second, copy.bib_id, locations["main"].id, "email")  # type: ignore[arg-type]
    load(van, hold, copy, date(2026, 6, 16))
    for night in (date(2026, 6, 18), date(2026, 6, 24)):  # after the first visit; the second is still to come
        run_on(engine, settings, night)
        assert reload(session, hold).status == HoldStatus.READY
    report = run_on(engine, settings, date(2026, 6, 25))  # the night after the second visit
    assert report.counts["expire_holds"]["in_transit_to_next"] == 1
    hold, copy, waiting = reload(session, hold), reload(session, copy), reload(session, waiting)
    assert hold.status == HoldStatus.EXPIRED
    assert waiting.status == HoldStatus.IN_TRANSIT and waiting.item_id == copy.id
    assert copy.status == ItemStatus.IN_TRANSIT and copy.current_location_id == locations["van"].id
    snapshot = full_snapshot(ctx(now=tokyo(date(2026, 6, 25))), van.node, "図書館")
    assert snapshot.holds == () and {i.barcode: i.status for i in snapshot.items}[copy.barcode] == ItemState.IN_TRANSIT
    return_item(ctx(now=tokyo(date(2026, 6, 25), 18)), copy.barcode)  # unloaded and scanned at the main library
    assert reload(session, waiting).status == HoldStatus.READY


def test_issue10_uncollected_copy_with_nobody_waiting_travels_home_in_transit(
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    engine: Engine,
    tmp_path: Path,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    hold, _, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"])
    load(van, hold, copy, date(2026, 6, 16))
    run_on(engine, settings_for(engine, tmp_path), date(2026, 6, 25))
    assert reload(session, copy).status == ItemStatus.IN_TRANSIT  # not left on the van's shelf
    outcome = return_item(ctx(now=tokyo(date(2026, 6, 25), 18)), copy.barcode)
    assert outcome.destination == "shelf" and reload(session, copy).status == ItemStatus.AVAILABLE


def test_issue10_a_copy_returned_on_the_van_for_a_hold_at_its_stop_is_ready_there_at_once(
    ctx: Ctx,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(email=None), copy.barcode)
    hold = place_hold(ctx(), make_patron(), bib.id, locations["stop"].id, "email")  # type: ignore[arg-type]
    return_item(ctx(location="van", now=NOW + timedelta(days=6)), copy.barcode)  # 06-16, on the van
    hold = reload(session, hold)
    assert hold.status == HoldStatus.READY and hold.pickup_deadline == date(2026, 6, 24)


def test_issue10_a_stop_without_a_timetable_keeps_the_open_days_pickup_period(
    ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle, locations: dict[str, Location]
) -> None:
    bib, (copy,) = make_title()
    hold = place_hold(ctx(), make_patron(), bib.id, locations["stop"].id, "email")  # type: ignore[arg-type]
    return_item(ctx(location="stop"), copy.barcode)
    assert reload(session, hold).pickup_deadline == date(2026, 6, 17)  # seven open days, as before


def test_issue10_loading_a_copy_whose_hold_was_cancelled_records_it_on_the_van_and_sends_it_home(
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
    locations: dict[str, Location],
    weekly_route: Route,
) -> None:
    hold, patron, copy = caught_for_stop(ctx, make_patron, make_title, locations["stop"])
    cancel_hold(ctx(actor=f"patron:{patron.id}"), reload(session, hold))
    day = date(2026, 6, 16)
    receipt = van.send(van.op(ops.LoadHoldCopy(hold.id, copy.barcode), at=tokyo(day)), received=tokyo(day, 20))  # type: ignore[arg-type]
    assert receipt.operations[0].outcome == Outcome.APPLIED and receipt.operations[0].code == "load_without_hold"
    copy = reload(session, copy)
    assert copy.current_location_id == locations["van"].id and copy.status == ItemStatus.IN_TRANSIT
