"""Editing the timetable: stops, routes and their rules, which van serves a route, cancelled visits.

Each function is one use case (one transaction, with an audit row). A change that moves visits
also moves the last pickup day of the holds waiting on a van for those stops, in the same
transaction (`stop_holds.refresh_stop_deadlines`): a cancelled visit never shortens a patron's
pickup period.
"""

import re
from dataclasses import dataclass
from datetime import date, time

from sqlmodel import Session, col, select

from central.errors import InvalidInput, NotFound, RuleRefused
from central.models import (
    CancelReason,
    Hold,
    HoldStatus,
    Location,
    LocationKind,
    Route,
    RouteStop,
    VisitCancellation,
)
from central.services import audit
from central.services.collection import add_location
from central.services.context import ServiceContext, transaction
from central.services.stop_holds import refresh_stop_deadlines
from central.services.timetable import rule_of, visits
from central.services.timetable_rules import Rule

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class StopForm:
    """A stop's own facts: what patrons see on the pages and the notices."""

    name: str
    name_reading: str = ""
    address: str = ""


@dataclass(frozen=True)
class CancelOutcome:
    """A cancelled visit, and the holds on the van for its stops whose patrons staff should call."""

    cancellation: VisitCancellation
    holds_waiting: int


def _check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise InvalidInput("bad_code", "コードは半角英数字と「-」「_」で32文字までです。", "Use 1-32 of A-Z 0-9 - _.")
    return code


def _check_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("name_required", "名称を入力してください。", "A name is required.")
    return name.strip()


def route_by_code(session: Session, code: str) -> Route:
    route = session.exec(select(Route).where(Route.code == code.strip())).first()
    if route is None:
        raise NotFound("unknown_route", f"巡回コース「{code}」はありません。", f"No route {code}.")
    return route


def _place(session: Session, code: str, kind: LocationKind, ja: str) -> Location:
    place = session.exec(select(Location).where(Location.code == code.strip(), Location.kind == kind)).first()
    if place is None:
        raise NotFound(f"unknown_{kind}", f"{ja}「{code}」はありません。", f"No {kind} {code}.")
    return place


def stop_by_code(session: Session, code: str) -> Location:
    return _place(session, code, LocationKind.STOP, "ステーション")


def van_by_code(session: Session, code: str) -> Location:
    return _place(session, code, LocationKind.BOOKMOBILE, "移動図書館")


def create_stop(ctx: ServiceContext, van: Location, code: str, form: StopForm) -> Location:
    """A new stop (ステーション) served by `van`."""
    return add_location(
        ctx,
        _check_code(code),
        LocationKind.STOP,
        _check_name(form.name),
        name_reading=form.name_reading.strip(),
        address=form.address.strip(),
        parent=van,
    )


def edit_stop(ctx: ServiceContext, stop: Location, form: StopForm) -> Location:
    """Rename a stop or correct its reading or address (its code, used on the vans, stays)."""
    with transaction(ctx.session):
        before = {"name": stop.name, "name_reading": stop.name_reading, "address": stop.address}
        stop.name = _check_name(form.name)
        stop.name_reading = form.name_reading.strip()
        stop.address = form.address.strip()
        ctx.session.add(stop)
        audit.record(ctx, "stop.edit", "location", stop.id, before=before, after={"name": stop.name})
        return stop


def create_route(ctx: ServiceContext, code: str, name: str, van: Location, rule: Rule) -> Route:
    """A new route served by `van`, running on the days of `rule` (stops are attached next)."""
    code, name = _check_code(code), _check_name(name)
    with transaction(ctx.session):
        if ctx.session.exec(select(Route.id).where(Route.code == code)).first() is not None:
            raise RuleRefused("route_exists", f"巡回コース「{code}」はすでにあります。", f"Route {code} exists.")
        route = Route(code=code, name=name, van_id=van.id, created_at=ctx.now)  # type: ignore[arg-type]
        _set_rule(route, rule)
        ctx.session.add(route)
        ctx.session.flush()
        audit.record(ctx, "route.create", "route", route.id, after={"code": code, "rule": rule.describe()})
        return route


def _set_rule(route: Route, rule: Rule) -> None:
    route.rule_kind = rule.kind
    route.weekday = rule.weekday
    route.interval_weeks = rule.interval_weeks
    route.nth = rule.nth
    route.starts_on = rule.starts_on
    route.ends_on = rule.ends_on


def _stop_ids(session: Session, route: Route) -> list[int]:
    return list(session.exec(select(RouteStop.stop_id).where(RouteStop.route_id == route.id)).all())


def edit_route(ctx: ServiceContext, route: Route, name: str, rule: Rule) -> Route:
    """A new name or rule; the holds waiting at its stops get their pickup visits counted again."""
    with transaction(ctx.session):
        before = {"name": route.name, "rule": rule_of(route).describe(), "starts_on": route.starts_on}
        route.name = _check_name(name)
        _set_rule(route, rule)
        ctx.session.add(route)
        ctx.session.flush()
        refresh_stop_deadlines(ctx, _stop_ids(ctx.session, route))
        audit.record(ctx, "route.edit", "route", route.id, before=before, after={"rule": rule.describe()})
        return route


def assign_van(ctx: ServiceContext, route: Route, van: Location) -> Route:
    """Another van serves the route from now on (a replacement during repairs). A stop belongs to
    one van, so the route's stops move with it; a stop another van still serves on another route
    is refused."""
    with transaction(ctx.session):
        stop_ids = _stop_ids(ctx.session, route)
        shared = ctx.session.exec(
            select(Location.name)
            .join(RouteStop, col(RouteStop.stop_id) == Location.id)
            .join(Route, col(Route.id) == RouteStop.route_id)
            .where(col(Location.id).in_(stop_ids), Route.id != route.id, Route.van_id != van.id)
        ).first()
        if shared is not None:
            raise RuleRefused(
                "stop_on_other_route",
                f"ステーション「{shared}」は別の移動図書館の巡回コースにも含まれています。先にそちらを変更してください。",
                "A stop of this route is also on another van's route.",
            )
        before = {"van_id": route.van_id}
        route.van_id = van.id  # type: ignore[assignment]
        for stop in ctx.session.exec(select(Location).where(col(Location.id).in_(stop_ids))).all():
            stop.parent_id = van.id
            ctx.session.add(stop)
        ctx.session.add(route)
        audit.record(ctx, "route.assign_van", "route", route.id, before=before, after={"van_id": van.id})
        return route


def _check_window(arrives: time, departs: time) -> None:
    if departs <= arrives:
        raise InvalidInput("bad_window", "出発時刻は到着時刻より後にしてください。", "Departure must follow arrival.")


def attach_stop(ctx: ServiceContext, route: Route, stop: Location, arrives: time, departs: time) -> RouteStop:
    """Put a stop on the route with the van's time window there (or change the window)."""
    _check_window(arrives, departs)
    with transaction(ctx.session):
        if stop.parent_id != route.van_id:
            raise RuleRefused(
                "stop_of_other_van",
                f"ステーション「{stop.name}」は、この巡回コースを走る移動図書館の所属ではありません。",
                "The stop belongs to another van.",
            )
        on_route = ctx.session.exec(
            select(RouteStop).where(RouteStop.route_id == route.id, RouteStop.stop_id == stop.id)
        ).first()
        if on_route is None:
            count = len(_stop_ids(ctx.session, route))
            on_route = RouteStop(
                route_id=route.id,  # type: ignore[arg-type]
                stop_id=stop.id,  # type: ignore[arg-type]
                position=count,
                arrives=arrives,
                departs=departs,
            )
        on_route.arrives, on_route.departs = arrives, departs
        ctx.session.add(on_route)
        ctx.session.flush()
        refresh_stop_deadlines(ctx, [stop.id])  # type: ignore[list-item]
        audit.record(ctx, "route.attach_stop", "route", route.id, after={"stop": stop.code, "at": f"{arrives:%H:%M}"})
        return on_route


def detach_stop(ctx: ServiceContext, route: Route, stop: Location) -> None:
    """Take a stop off the route (its past visits stay in the statistics, which come from operations)."""
    with transaction(ctx.session):
        on_route = ctx.session.exec(
            select(RouteStop).where(RouteStop.route_id == route.id, RouteStop.stop_id == stop.id)
        ).first()
        if on_route is None:
            raise NotFound("stop_not_on_route", f"「{stop.name}」はこの巡回コースにありません。", "Not on the route.")
        ctx.session.delete(on_route)
        ctx.session.flush()
        refresh_stop_deadlines(ctx, [stop.id])  # type: ignore[list-item]
        audit.record(ctx, "route.detach_stop", "route", route.id, after={"stop": stop.code})


def _cancellation(session: Session, route: Route, day: date, stop: Location | None) -> VisitCancellation | None:
    which = VisitCancellation.stop_id == stop.id if stop else col(VisitCancellation.stop_id).is_(None)
    return session.exec(
        select(VisitCancellation).where(VisitCancellation.route_id == route.id, VisitCancellation.day == day, which)
    ).first()


def cancel_visit(
    ctx: ServiceContext, route: Route, day: date, reason: CancelReason, note: str = "", stop: Location | None = None
) -> CancelOutcome:
    """運休: the route (or one of its stops) does not run that day - a holiday, a breakdown. Holds
    waiting on the van for those stops get one more visit to be collected."""
    with transaction(ctx.session):
        that_day = visits(ctx.session, day, day, route_ids=[route.id])  # type: ignore[list-item]
        planned = [v for v in that_day if stop is None or v.stop_id == stop.id]
        if not planned:
            raise RuleRefused(
                "no_visit_that_day", "その日はこの巡回コースの巡回日ではありません。", "No visit that day."
            )
        if _cancellation(ctx.session, route, day, stop) is not None or all(v.cancelled for v in planned):
            raise RuleRefused("visit_already_cancelled", "その巡回はすでに運休になっています。", "Already cancelled.")
        row = VisitCancellation(
            route_id=route.id,  # type: ignore[arg-type]
            stop_id=stop.id if stop else None,
            day=day,
            reason=reason,
            note=note.strip()[:200],
            created_at=ctx.now,
            created_by=ctx.actor,
        )
        ctx.session.add(row)
        ctx.session.flush()
        stop_ids = [v.stop_id for v in planned]
        refresh_stop_deadlines(ctx, stop_ids)
        audit.record(ctx, "visit.cancel", "route", route.id, after={"day": day, "stops": stop_ids, "reason": reason})
        return CancelOutcome(row, _holds_waiting_at(ctx.session, stop_ids))


def _holds_waiting_at(session: Session, stop_ids: list[int]) -> int:
    return len(
        session.exec(
            select(Hold.id).where(Hold.status == HoldStatus.READY, col(Hold.pickup_location_id).in_(stop_ids))
        ).all()
    )


def restore_visit(ctx: ServiceContext, route: Route, day: date, stop: Location | None = None) -> None:
    """Undo a cancellation (the van runs after all)."""
    with transaction(ctx.session):
        row = _cancellation(ctx.session, route, day, stop)
        if row is None:
            raise NotFound("no_cancellation", "その日の運休は登録されていません。", "No cancellation that day.")
        ctx.session.delete(row)
        ctx.session.flush()
        refresh_stop_deadlines(ctx, [stop.id] if stop and stop.id else _stop_ids(ctx.session, route))
        audit.record(ctx, "visit.restore", "route", route.id, after={"day": day})
