"""Holds collected at a bookmobile stop: which van a copy travels on, and how long it waits there.

A copy caught for a hold whose pickup place is a stop is "to be loaded" (the hold IN_TRANSIT, the
copy at the main library) until staff scan it onto the van that serves the stop; from then on it
is READY on that van. Its pickup period counts the stop's visits (`policy.hold_pickup_visits`,
default two), not calendar days: the last day is the day of the last of those visits, moved on
when one of them is cancelled. An uncollected copy leaves the van for its home library.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from central.models import Bib, Hold, HoldStatus, Item, ItemStatus, Location, LocationKind
from central.services import audit
from central.services.context import ServiceContext
from central.services.timetable import VisitSlot, last_of_visits, upcoming_by_stop
from sync_protocol.timezone import tokyo_date


def van_of(session: Session, location_id: int | None) -> int | None:
    """The van a place belongs to: the van itself, or a stop's van; None for the main library."""
    location = session.get(Location, location_id) if location_id is not None else None
    if location is None:
        return None
    if location.kind == LocationKind.BOOKMOBILE:
        return location.id
    return location.parent_id if location.kind == LocationKind.STOP else None


def is_stop(session: Session, location_id: int) -> bool:
    location = session.get(Location, location_id)
    return location is not None and location.kind == LocationKind.STOP


def copy_on_pickup_van(ctx: ServiceContext, hold: Hold, item: Item) -> bool:
    """True when the hold is for a stop and the copy already travels on that stop's van."""
    if not is_stop(ctx.session, hold.pickup_location_id):
        return False
    van = van_of(ctx.session, hold.pickup_location_id)
    return van is not None and van == van_of(ctx.session, item.current_location_id)


def stop_pickup_deadline(ctx: ServiceContext, location_id: int, since: date) -> date | None:
    """For a stop: the day of its `hold_pickup_visits`-th visit from `since` on. None for any other
    place, or a stop with no visit planned (the caller then counts open days, as for the library)."""
    if not is_stop(ctx.session, location_id):
        return None
    return last_of_visits(ctx.session, location_id, since, ctx.policy.hold_pickup_visits)


def refresh_stop_deadlines(ctx: ServiceContext, stop_ids: Iterable[int]) -> int:
    """After the timetable changed: count again the visits each hold waiting at these stops gets.
    Runs inside the caller's use case; returns how many last days moved."""
    ready = ctx.session.exec(
        select(Hold).where(Hold.status == HoldStatus.READY, col(Hold.pickup_location_id).in_(list(stop_ids)))
    ).all()
    moved = 0
    for hold in ready:
        since = tokyo_date(hold.ready_at) if hold.ready_at else ctx.today
        deadline = stop_pickup_deadline(ctx, hold.pickup_location_id, since)
        if deadline is not None and deadline != hold.pickup_deadline:
            before = {"pickup_deadline": hold.pickup_deadline}
            hold.pickup_deadline = deadline
            ctx.session.add(hold)
            audit.record(ctx, "hold.deadline", "hold", hold.id, before=before, after={"pickup_deadline": deadline})
            moved += 1
    return moved


def send_home_from_van(ctx: ServiceContext, item: Item) -> None:
    """A free copy left on a van that is not its home goes back there (in transit), e.g. the main
    library's copy nobody collected at a stop; a copy of the van's own collection stays aboard."""
    here = van_of(ctx.session, item.current_location_id)
    if item.status != ItemStatus.AVAILABLE or here is None or here == van_of(ctx.session, item.home_location_id):
        return
    item.status = ItemStatus.IN_TRANSIT
    ctx.session.add(item)
    audit.record(ctx, "item.send_home", "item", item.id, after={"home_location_id": item.home_location_id})


@dataclass(frozen=True)
class CopyToLoad:
    """A copy caught for a hold at a stop, not yet on the van: what staff at the library pull."""

    hold_id: int
    barcode: str
    title: str
    stop_id: int
    stop_name: str
    van_id: int
    now_at: str
    visit: VisitSlot | None


def copies_to_load(session: Session, today: date, van_id: int | None = None) -> list[CopyToLoad]:
    """Every copy waiting to be loaded onto a van (or onto `van_id`), with the visit it is for."""
    stop, here = aliased(Location), aliased(Location)
    query = (
        select(Hold, Item, Bib.title, stop, here.name)
        .join(Item, col(Item.id) == Hold.item_id)
        .join(Bib, col(Bib.id) == Hold.bib_id)
        .join(stop, stop.id == Hold.pickup_location_id)
        .join(here, here.id == Item.current_location_id)
        .where(Hold.status == HoldStatus.IN_TRANSIT, stop.kind == LocationKind.STOP)
        .order_by(stop.code, col(Hold.id))
    )
    if van_id is not None:
        query = query.where(stop.parent_id == van_id)
    rows = session.exec(query).all()
    upcoming = upcoming_by_stop(session, {s.id for _, _, _, s, _ in rows if s.id is not None}, today, 1)
    return [
        CopyToLoad(
            hold.id,  # type: ignore[arg-type]
            item.barcode,
            title,
            place.id,  # type: ignore[arg-type]
            place.name,
            place.parent_id,  # type: ignore[arg-type]
            now_at,
            (upcoming.get(place.id) or [None])[0],  # type: ignore[arg-type]
        )
        for hold, item, title, place, now_at in rows
    ]
