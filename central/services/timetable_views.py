"""What the timetable pages show: the admin console (routes, stops, vans, copies to load, a route
with its coming visits) and the patrons' stop list with each stop's next visits. Reads only, as
plain dataclasses, so nothing touches the ORM after the query returns."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from central.errors import NotFound
from central.models import Location, LocationKind
from central.services.context import transaction
from central.services.stop_holds import CopyToLoad, copies_to_load
from central.services.timetable import RouteSummary, VisitSlot, route_summaries, upcoming_by_stop, visits

# How far ahead the pages look: the admin's list of visits to cancel, and the patrons' notices of cancellations.
ADMIN_WEEKS = 8
PATRON_WEEKS = 4


@dataclass(frozen=True)
class Place:
    """A van or a stop, with the van a stop belongs to."""

    id: int
    code: str
    name: str
    name_reading: str = ""
    address: str = ""
    van_code: str = ""
    van_name: str = ""


@dataclass(frozen=True)
class TimetablePage:
    routes: list[RouteSummary]
    stops: list[Place]
    vans: list[Place]
    to_load: list[CopyToLoad]


@dataclass(frozen=True)
class RoutePage:
    route: RouteSummary
    visits: list[VisitSlot]
    van_stops: list[Place]
    vans: list[Place]


@dataclass(frozen=True)
class StopVisits:
    """A stop as patrons see it: where it is, its next visits, and cancellations coming up."""

    stop: Place
    next_visits: list[VisitSlot]
    cancelled: list[VisitSlot]


def _vans(session: Session) -> list[Place]:
    rows = session.exec(select(Location).where(Location.kind == LocationKind.BOOKMOBILE).order_by(col(Location.code)))
    return [Place(v.id, v.code, v.name) for v in rows.all()]  # type: ignore[arg-type]


def _stops(session: Session, van_id: int | None = None) -> list[Place]:
    van = aliased(Location)
    query = (
        select(Location, van)
        .join(van, van.id == Location.parent_id)
        .where(Location.kind == LocationKind.STOP)
        .order_by(col(Location.code))
    )
    if van_id is not None:
        query = query.where(Location.parent_id == van_id)
    return [
        Place(s.id, s.code, s.name, s.name_reading, s.address, v.code, v.name)  # type: ignore[arg-type]
        for s, v in session.exec(query).all()
    ]


def timetable_page(session: Session, today: date) -> TimetablePage:
    """The admin console's overview."""
    with transaction(session):
        return TimetablePage(route_summaries(session), _stops(session), _vans(session), copies_to_load(session, today))


def route_page(session: Session, code: str, today: date) -> RoutePage:
    """One route: its rule and stops, the visits of the coming weeks, what can be put on it."""
    with transaction(session):
        found = [r for r in route_summaries(session) if r.code == code]
        if not found:
            raise NotFound("unknown_route", f"巡回コース「{code}」はありません。", f"No route {code}.")
        route = found[0]
        van = next(v for v in _vans(session) if v.code == route.van_code)
        ahead = visits(session, today, today + timedelta(weeks=ADMIN_WEEKS), route_ids=[route.id])
        return RoutePage(route, ahead, _stops(session, van.id), _vans(session))


def stop_place(session: Session, code: str) -> Place:
    with transaction(session):
        for place in _stops(session):
            if place.code == code:
                return place
    raise NotFound("unknown_stop", f"ステーション「{code}」はありません。", f"No stop {code}.")


def stop_timetable(session: Session, today: date, count: int = 3) -> list[StopVisits]:
    """Every stop with its next `count` visits and the cancellations of the coming weeks."""
    with transaction(session):
        stops = _stops(session)
        upcoming = upcoming_by_stop(session, [s.id for s in stops], today, count)
        ahead = visits(session, today, today + timedelta(weeks=PATRON_WEEKS), stop_ids=[s.id for s in stops])
    return [StopVisits(s, upcoming[s.id], [v for v in ahead if v.cancelled and v.stop_id == s.id]) for s in stops]
