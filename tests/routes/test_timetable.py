"""Issue 10, item 1: visits generated from a route's rule (weekly, every N weeks, the nth weekday of
the month) minus its cancellations, and the timetable's use cases (a stop belongs to one van, a
replacement van takes the route's stops, a time window must end after it starts)."""

from datetime import date, time

import pytest
from sqlmodel import Session

from central.errors import InvalidInput, RuleRefused
from central.models import CancelReason, Location, LocationKind, Route, RuleKind
from central.services.collection import add_location
from central.services.routes import (
    StopForm,
    assign_van,
    attach_stop,
    cancel_visit,
    create_route,
    create_stop,
    detach_stop,
    restore_visit,
)
from central.services.timetable import next_visits, visits
from central.services.timetable_rules import Rule, nth_weekday, parse_weekday
from tests.routes.conftest import Ctx
from tests.sync.conftest import reload

JUNE = (date(2026, 6, 1), date(2026, 6, 30))


def test_issue10_weekly_rule_runs_every_week_from_its_first_day() -> None:
    rule = Rule(RuleKind.WEEKLY, parse_weekday("火"), date(2026, 6, 5))
    assert list(rule.days(*JUNE)) == [date(2026, 6, 9), date(2026, 6, 16), date(2026, 6, 23), date(2026, 6, 30)]


def test_issue10_every_other_week_keeps_its_cycle_whatever_the_window() -> None:
    rule = Rule(RuleKind.EVERY_N_WEEKS, parse_weekday("thu"), date(2026, 5, 7), interval_weeks=2)
    assert list(rule.days(*JUNE)) == [date(2026, 6, 4), date(2026, 6, 18)]
    assert list(rule.days(date(2026, 6, 5), date(2026, 7, 31))) == [
        date(2026, 6, 18),
        date(2026, 7, 2),
        date(2026, 7, 16),
        date(2026, 7, 30),
    ]
    assert rule.describe() == "隔週木曜"


def test_issue10_nth_weekday_of_the_month_and_the_last_one() -> None:
    second_wednesday = Rule(RuleKind.MONTHLY, 2, date(2026, 1, 1), nth=2)
    assert list(second_wednesday.days(date(2026, 6, 1), date(2026, 8, 31))) == [
        date(2026, 6, 10),
        date(2026, 7, 8),
        date(2026, 8, 12),
    ]
    last_friday = Rule(RuleKind.MONTHLY, 4, date(2026, 1, 1), nth=-1)
    assert list(last_friday.days(*JUNE)) == [date(2026, 6, 26)] and last_friday.describe() == "毎月最終金曜"
    assert nth_weekday(2026, 6, 0, 5) == date(2026, 6, 29) and nth_weekday(2026, 7, 0, 5) is None


def test_issue10_a_rule_ends_on_its_last_day_and_refuses_nonsense() -> None:
    rule = Rule(RuleKind.WEEKLY, 1, date(2026, 6, 1), ends_on=date(2026, 6, 20))
    assert list(rule.days(*JUNE)) == [date(2026, 6, 2), date(2026, 6, 9), date(2026, 6, 16)]
    for bad in (
        lambda: Rule(RuleKind.MONTHLY, 1, date(2026, 6, 1), nth=6),
        lambda: Rule(RuleKind.EVERY_N_WEEKS, 1, date(2026, 6, 1), interval_weeks=0),
        lambda: Rule(RuleKind.WEEKLY, 7, date(2026, 6, 1)),
        lambda: parse_weekday("someday"),
    ):
        with pytest.raises(InvalidInput):
            bad()


def test_issue10_cancelled_visits_are_marked_and_skipped_by_next_visits(
    ctx: Ctx, session: Session, weekly_route: Route, locations: dict[str, Location]
) -> None:
    stop = locations["stop"].id
    cancel_visit(ctx(), weekly_route, date(2026, 6, 17), CancelReason.HOLIDAY, "慰霊の日の振替")
    marked = {v.day: v for v in visits(session, *JUNE, stop_ids=[stop])}
    assert marked[date(2026, 6, 17)].cancelled and marked[date(2026, 6, 17)].note == "慰霊の日の振替"
    assert [v.day for v in next_visits(session, stop, date(2026, 6, 11), 2)] == [date(2026, 6, 24), date(2026, 7, 1)]
    with pytest.raises(RuleRefused) as twice:
        cancel_visit(ctx(), weekly_route, date(2026, 6, 17), CancelReason.BREAKDOWN)
    assert twice.value.code == "visit_already_cancelled"
    with pytest.raises(RuleRefused) as not_a_visit:
        cancel_visit(ctx(), weekly_route, date(2026, 6, 18), CancelReason.BREAKDOWN)
    assert not_a_visit.value.code == "no_visit_that_day"
    restore_visit(ctx(), weekly_route, date(2026, 6, 17))
    assert next_visits(session, stop, date(2026, 6, 11), 1)[0].day == date(2026, 6, 17)


def test_issue10_a_stop_belongs_to_the_van_that_serves_it_and_moves_with_its_route(
    ctx: Ctx, session: Session, weekly_route: Route, locations: dict[str, Location]
) -> None:
    spare = add_location(ctx(), "BM2", LocationKind.BOOKMOBILE, "移動図書館(代車)")
    other = create_stop(ctx(), spare, "BM2-S01", StopForm("志真志公民館", "しましこうみんかん", "宜野湾市志真志"))
    with pytest.raises(RuleRefused) as refused:
        attach_stop(ctx(), weekly_route, other, time(11), time(11, 30))
    assert refused.value.code == "stop_of_other_van"
    assign_van(ctx(), weekly_route, spare)
    assert reload(session, locations["stop"]).parent_id == spare.id
    attach_stop(ctx(), weekly_route, other, time(11), time(11, 30))
    assert {v.stop_code for v in visits(session, *JUNE, van_id=spare.id)} == {"BM1-S01", "BM2-S01"}
    detach_stop(ctx(), weekly_route, other)
    assert {v.stop_code for v in visits(session, *JUNE, van_id=spare.id)} == {"BM1-S01"}


def test_issue10_a_stop_on_two_vans_routes_cannot_change_van_and_windows_must_be_sane(
    ctx: Ctx, weekly_route: Route, locations: dict[str, Location]
) -> None:
    spare = add_location(ctx(), "BM2", LocationKind.BOOKMOBILE, "移動図書館(代車)")
    second = create_route(ctx(), "BM1-F", "金曜コース", locations["van"], Rule(RuleKind.WEEKLY, 4, date(2026, 6, 5)))
    attach_stop(ctx(), second, locations["stop"], time(14), time(14, 30))
    with pytest.raises(RuleRefused) as shared:
        assign_van(ctx(), weekly_route, spare)
    assert shared.value.code == "stop_on_other_route"
    with pytest.raises(InvalidInput):
        attach_stop(ctx(), second, locations["stop"], time(15), time(14))
    with pytest.raises(RuleRefused):
        create_route(ctx(), "BM1-F", "重複", locations["van"], Rule(RuleKind.WEEKLY, 4, date(2026, 6, 5)))
