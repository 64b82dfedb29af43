"""The bookmobiles' timetable: routes, the stops on each route with their time windows, and the
visits cancelled out of a route's rule (holidays, breakdowns).

Visits themselves are not stored: they follow from the rule (`central.services.timetable_rules`),
so changing a rule changes every future visit at once, and only the exceptions need a row. A
stop (a `Location` of kind stop) belongs to one van; a route is served by that van.
"""

from datetime import date, datetime, time
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class RuleKind(StrEnum):
    WEEKLY = "weekly"  # every week on `weekday`
    EVERY_N_WEEKS = "every_n_weeks"  # every `interval_weeks` weeks on `weekday`, counted from `starts_on`
    MONTHLY = "monthly"  # the `nth` `weekday` of every month (-1: the last one)


class CancelReason(StrEnum):
    HOLIDAY = "holiday"
    BREAKDOWN = "breakdown"
    OTHER = "other"


class Route(SQLModel, table=True):
    """A round of stops a van drives on the days its rule gives (巡回コース)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    van_id: int = Field(foreign_key="location.id", index=True)
    rule_kind: str = Field(max_length=16)
    weekday: int  # 0 = Monday
    interval_weeks: int = 1
    nth: int | None = None
    starts_on: date
    ends_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class RouteStop(SQLModel, table=True):
    """A stop on a route and the van's time window there (Tokyo time)."""

    __tablename__ = "route_stop"
    __table_args__ = (sa.UniqueConstraint("route_id", "stop_id"),)

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="route.id", index=True)
    stop_id: int = Field(foreign_key="location.id", index=True)
    position: int = 0
    arrives: time
    departs: time


class VisitCancellation(SQLModel, table=True):
    """A visit the rule gives that does not happen: one stop that day, or (stop_id None) the whole route."""

    __tablename__ = "visit_cancellation"

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="route.id", index=True)
    stop_id: int | None = Field(default=None, foreign_key="location.id")
    day: date = Field(index=True)
    reason: str = Field(max_length=16)
    note: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=64)
