"""The collection's physical side: service points and copies (catalogue records come from the importer)."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import select

from central.errors import InvalidInput, RuleRefused
from central.models import Item, ItemStatus, Location, LocationKind
from central.services import audit
from central.services.context import ServiceContext, transaction
from sync_protocol.normalize import is_well_formed_barcode, normalize_barcode


def add_location(
    ctx: ServiceContext,
    code: str,
    kind: LocationKind,
    name: str,
    *,
    name_reading: str = "",
    address: str = "",
    parent: Location | None = None,
) -> Location:
    """Add a service point; a stop must belong to a bookmobile."""
    if kind is LocationKind.STOP and (parent is None or parent.kind != LocationKind.BOOKMOBILE):
        raise InvalidInput(
            "stop_needs_bookmobile", "ステーションには移動図書館を指定してください。", "A stop needs a van."
        )
    with transaction(ctx.session):
        if ctx.session.exec(select(Location.id).where(Location.code == code)).first() is not None:
            raise RuleRefused("location_exists", f"場所コード「{code}」はすでにあります。", f"Location {code} exists.")
        location = Location(
            code=code,
            kind=kind,
            name=name,
            name_reading=name_reading,
            address=address,
            parent_id=parent.id if parent else None,
        )
        ctx.session.add(location)
        ctx.session.flush()
        audit.record(ctx, "location.add", "location", location.id, after={"code": code, "kind": kind})
        return location


@dataclass(frozen=True)
class NewCopy:
    """A copy to add: its barcode, title, and home (where it returns to when free)."""

    barcode: str
    bib_id: int
    home_location_id: int


def add_copies(ctx: ServiceContext, copies: Iterable[NewCopy]) -> int:
    """Add copies on the shelf at their home, in bulk (accessioning a delivery or the demo collection)."""
    rows = []
    for copy in copies:
        barcode = normalize_barcode(copy.barcode)
        if not is_well_formed_barcode(barcode):
            raise InvalidInput(
                "malformed_barcode", f"バーコード「{barcode}」の形式が正しくありません。", "Bad barcode."
            )
        rows.append(
            {
                "barcode": barcode,
                "bib_id": copy.bib_id,
                "home_location_id": copy.home_location_id,
                "current_location_id": copy.home_location_id,
                "status": ItemStatus.AVAILABLE,
                "created_at": ctx.now,
            }
        )
    with transaction(ctx.session):
        if rows:
            ctx.session.execute(insert(Item), rows)
        audit.record(ctx, "item.add", "item", f"{len(rows)} copies")
    return len(rows)
