"""Reading the timetable: the visits of routes and stops between two days, and a stop's next visits.

Visits follow from each route's rule (`timetable_rules`) minus its cancellations; nothing here
writes. Everything that needs a visit - the van's snapshot, the patrons' pages, the pickup period
of a hold at a stop, the ready notice, the statistics - asks here, so they all agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlmodel import Session, col, select

from central.models import Location, Route, RouteStop, RuleKind, VisitCancellation
from central.services.timetable_rules import Rule

# How far ahead a stop's next visit is looked for: a monthly stop with a few cancellations still has one.
SEARCH_DAYS = 400


@dataclass(frozen=True)
class VisitSlot:
    """One visit: a route's van at a stop on a day, in a time window (Tokyo); maybe cancelled."""

    route_id: int
    route_code: str
    route_name: str
    van_id: int
    stop_id: int
    stop_code: str
    stop_name: str
    day: date
    arrives: time
    departs: time
    cancelled: bool = False
    reason: str = ""
    note: str = ""

    @property
    def window(self) -> str:
        """10:00〜10:40"""
        return f"{self.arrives:%H:%M}〜{self.departs:%H:%M}"


def rule_of(route: Route) -> Rule:
    return Rule(
        RuleKind(route.rule_kind), route.weekday, route.starts_on, route.interval_weeks, route.nth, route.ends_on
    )


def visits(
    session: Session,
    first: date,
    last: date,
    *,
    stop_ids: Iterable[int] | None = None,
    route_ids: Iterable[int] | None = None,
    van_id: int | None = None,
) -> list[VisitSlot]:
    """Every visit in [first, last] (cancelled ones included, marked), by day and time."""
    query = (
        select(Route, RouteStop, Location)
        .join(RouteStop, col(RouteStop.route_id) == Route.id)
        .join(Location, col(Location.id) == RouteStop.stop_id)
    )
    if stop_ids is not None:
        query = query.where(col(RouteStop.stop_id).in_(list(stop_ids)))
    if route_ids is not None:
        query = query.where(col(Route.id).in_(list(route_ids)))
    if van_id is not None:
        query = query.where(Route.van_id == van_id)
    rows = session.exec(query).all()
    cancelled = _cancellations(session, {route.id for route, _, _ in rows if route.id is not None}, first, last)
    found = []
    for route, stop_on_route, stop in rows:
        for day in rule_of(route).days(first, last):
            why = cancelled.get((route.id, stop.id, day)) or cancelled.get((route.id, None, day))
            found.append(_slot(route, stop_on_route, stop, day, why))
    return sorted(found, key=lambda v: (v.day, v.arrives, v.stop_code))


def _cancellations(
    session: Session, route_ids: set[int], first: date, last: date
) -> dict[tuple[int, int | None, date], VisitCancellation]:
    rows = session.exec(
        select(VisitCancellation).where(
            col(VisitCancellation.route_id).in_(route_ids),
            VisitCancellation.day >= first,
            VisitCancellation.day <= last,
        )
    ).all()
    return {(c.route_id, c.stop_id, c.day): c for c in rows}


def _slot(route: Route, on_route: RouteStop, stop: Location, day: date, why: VisitCancellation | None) -> VisitSlot:
    return VisitSlot(
        route_id=route.id,  # type: ignore[arg-type]
        route_code=route.code,
        route_name=route.name,
        van_id=route.van_id,
        stop_id=stop.id,  # type: ignore[arg-type]
        stop_code=stop.code,
        stop_name=stop.name,
        day=day,
        arrives=on_route.arrives,
        departs=on_route.departs,
        cancelled=why is not None,
        reason=why.reason if why else "",
        note=why.note if why else "",
    )


def next_visits(session: Session, stop_id: int, on_or_after: date, count: int = 3) -> list[VisitSlot]:
    """The stop's next `count` visits that will happen (cancelled ones skipped)."""
    ahead = visits(session, on_or_after, on_or_after + timedelta(days=SEARCH_DAYS), stop_ids=[stop_id])
    return [v for v in ahead if not v.cancelled][:count]


def upcoming_by_stop(
    session: Session, stop_ids: Iterable[int], on_or_after: date, count: int = 3
) -> dict[int, list[VisitSlot]]:
    """`next_visits` for several stops at once (one query), keyed by stop id."""
    wanted = list(stop_ids)
    found: dict[int, list[VisitSlot]] = {stop_id: [] for stop_id in wanted}
    for visit in visits(session, on_or_after, on_or_after + timedelta(days=SEARCH_DAYS), stop_ids=wanted):
        if not visit.cancelled and len(found[visit.stop_id]) < count:
            found[visit.stop_id].append(visit)
    return found


def last_of_visits(session: Session, stop_id: int, on_or_after: date, count: int) -> date | None:
    """The day of the stop's `count`-th visit from `on_or_after` on (the last one scheduled, if fewer;
    None when the stop has no visit at all): the last day a hold waits for at the stop."""
    ahead = next_visits(session, stop_id, on_or_after, max(count, 1))
    return ahead[-1].day if ahead else None


@dataclass(frozen=True)
class StopOnRoute:
    """A stop as a route serves it: its facts for patrons, and the van's time window there."""

    stop_id: int
    code: str
    name: str
    name_reading: str
    address: str
    arrives: time
    departs: time

    @property
    def window(self) -> str:
        return f"{self.arrives:%H:%M}〜{self.departs:%H:%M}"


@dataclass(frozen=True)
class RouteSummary:
    """A route as the admin console and `central route list` show it."""

    id: int
    code: str
    name: str
    van_code: str
    van_name: str
    rule: Rule
    stops: list[StopOnRoute]


def route_summaries(session: Session) -> list[RouteSummary]:
    """Every route with its van, rule and stops in driving order."""
    vans = {v.id: v for v in session.exec(select(Location).where(col(Location.id).in_(select(Route.van_id)))).all()}
    on_route: dict[int, list[StopOnRoute]] = {}
    for on, stop in session.exec(
        select(RouteStop, Location)
        .join(Location, col(Location.id) == RouteStop.stop_id)
        .order_by(col(RouteStop.arrives), col(RouteStop.position))
    ).all():
        on_route.setdefault(on.route_id, []).append(
            StopOnRoute(stop.id, stop.code, stop.name, stop.name_reading, stop.address, on.arrives, on.departs)  # type: ignore[arg-type]
        )
    return [
        RouteSummary(
            route.id,  # type: ignore[arg-type]
            route.code,
            route.name,
            vans[route.van_id].code,
            vans[route.van_id].name,
            rule_of(route),
            on_route.get(route.id, []),  # type: ignore[arg-type]
        )
        for route in session.exec(select(Route).order_by(col(Route.code))).all()
    ]
