"""The hold shelf at a service point: copies to pull for holds, holds ready for pickup, and those
whose pickup deadline is near. Reads only: pulling a copy is checking it in (`return_at_desk`)."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select

from central.models import Bib, Hold, HoldStatus, Item, ItemStatus, Location, Patron
from central.services.context import ServiceContext, transaction
from sync_protocol.timezone import tokyo_date


@dataclass(frozen=True)
class ShelfHold:
    hold_id: int
    title: str
    barcode: str
    card_number: str
    patron_name: str
    patron_id: int
    pickup: str
    placed_on: date
    pickup_deadline: date | None


@dataclass(frozen=True)
class HoldShelf:
    to_pull: list[ShelfHold]
    ready: list[ShelfHold]
    expiring: list[ShelfHold]


def _rows(ctx: ServiceContext, *where: object) -> list[ShelfHold]:
    query = (
        select(Hold, Bib, Item, Patron, Location)
        .join(Bib, col(Bib.id) == Hold.bib_id)
        .join(Item, col(Item.id) == Hold.item_id)
        .join(Patron, col(Patron.id) == Hold.patron_id)
        .join(Location, col(Location.id) == Hold.pickup_location_id)
        .where(*where)
        .order_by(col(Hold.pickup_deadline), col(Hold.placed_at), col(Hold.id))
    )
    return [
        ShelfHold(
            hold.id,  # type: ignore[arg-type]
            bib.title,
            item.barcode,
            patron.card_number,
            patron.name,
            patron.id,  # type: ignore[arg-type]
            location.name,
            tokyo_date(hold.placed_at),
            hold.pickup_deadline,
        )
        for hold, bib, item, patron, location in ctx.session.exec(query).all()
    ]


def hold_shelf(ctx: ServiceContext, location_id: int, expiring_days: int) -> HoldShelf:
    """R14 shelf copies targeted by queued holds here; ready holds here; ready holds due to expire soon."""
    with transaction(ctx.session):
        to_pull = _rows(
            ctx,
            Hold.status == HoldStatus.QUEUED,
            Item.status == ItemStatus.AVAILABLE,
            Item.current_location_id == location_id,
        )
        ready = _rows(ctx, Hold.status == HoldStatus.READY, Hold.pickup_location_id == location_id)
        horizon = ctx.today + timedelta(days=expiring_days)
        expiring = [h for h in ready if h.pickup_deadline is not None and h.pickup_deadline <= horizon]
        return HoldShelf(to_pull, ready, expiring)
