"""Statistics per stop and per visit, for planning the routes: what the vans did at each stop
(lends, returns, registrations, holds handed over), from the operations they sent.

Counted from `sync_operation` - every operation central took in, stamped with the stop the van
stood at and applied as of its corrected time - so a visit's numbers are what happened there,
whatever central made of them. The stop is read from its own column, not from the operation's
body, which the nightly job empties (`services.housekeeping`). Planned visits with nothing
recorded show as zeros; cancelled ones are marked. Reads only.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from central.models import Location, LocationKind, SyncOperation
from central.services.timetable import visits
from sync_protocol.timezone import TOKYO, tokyo_date

# Operation type -> the column it counts in.
COUNTED = {"lend": "lends", "return": "returns", "register_patron": "registrations", "hand_over_hold": "hand_overs"}
COLUMNS = ("lends", "returns", "registrations", "hand_overs")


@dataclass(frozen=True)
class VisitStats:
    """One visit (or a day the van worked at a stop outside the timetable: `window` empty)."""

    stop_code: str
    stop_name: str
    day: date
    window: str
    cancelled: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class StopStats:
    """A stop over the period: visits made and what they brought, in total and per visit."""

    stop_code: str
    stop_name: str
    visits: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def per_visit(self) -> float:
        return self.total / self.visits if self.visits else float(self.total)


@dataclass(frozen=True)
class RouteStats:
    first: date
    last: date
    visits: list[VisitStats]
    stops: list[StopStats]

    @property
    def busiest_visit(self) -> int:
        return max((v.total for v in self.visits), default=0)

    @property
    def busiest_stop(self) -> float:
        return max((s.per_visit for s in self.stops), default=0.0)


def _counted(session: Session, first: date, last: date) -> dict[tuple[str, date], Counter[str]]:
    start = datetime.combine(first, time(0), TOKYO).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), TOKYO).astimezone(UTC)
    rows = session.exec(
        select(SyncOperation.type, SyncOperation.stop_code, SyncOperation.effective_at).where(
            col(SyncOperation.type).in_(list(COUNTED)),
            SyncOperation.effective_at >= start,
            SyncOperation.effective_at < end,
        )
    ).all()
    found: dict[tuple[str, date], Counter[str]] = defaultdict(Counter)
    for kind, stop, at in rows:
        found[(stop, tokyo_date(at))][COUNTED[kind]] += 1
    return found


def route_stats(session: Session, first: date, last: date, stop_code: str | None = None) -> RouteStats:
    """Per visit and per stop, from `first` to `last` (Tokyo days), optionally for one stop."""
    names = dict(session.exec(select(Location.code, Location.name).where(Location.kind == LocationKind.STOP)).all())
    counted = _counted(session, first, last)
    planned = {(v.stop_code, v.day): v for v in visits(session, first, last)}
    rows = []
    for key in sorted(set(planned) | set(counted), key=lambda k: (k[1], k[0])):
        code, day = key
        if stop_code is not None and code != stop_code:
            continue
        visit = planned.get(key)
        window = visit.window if visit else ""
        counts = {column: counted.get(key, Counter())[column] for column in COLUMNS}
        rows.append(VisitStats(code, names.get(code, code), day, window, bool(visit and visit.cancelled), counts))
    return RouteStats(first, last, rows, _per_stop(rows))


def _per_stop(rows: list[VisitStats]) -> list[StopStats]:
    by_stop: dict[str, list[VisitStats]] = defaultdict(list)
    for row in rows:
        by_stop[row.stop_code].append(row)
    result = []
    for code, visits_at in sorted(by_stop.items()):
        held = [v for v in visits_at if not v.cancelled]
        counts = {column: sum(v.counts[column] for v in held) for column in COLUMNS}
        result.append(StopStats(code, visits_at[0].stop_name, len(held), counts))
    return result
