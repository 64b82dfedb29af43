"""Recording a copy scanned onto a van for a hold at one of its stops (the `load_hold_copy` operation).

Like the other operations from a van, it reports a fact: the copy is on the van now. When central
agrees (the hold still waits for this copy, at a stop of this van), the hold becomes READY on the
van and its pickup period counts the stop's visits. Otherwise the copy's place is still recorded,
the copy goes to whoever waits for it, and the disagreement says so.
"""

from sqlmodel import col, select

from central.models import Hold, HoldStatus, Item, ItemStatus
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.services.holds import mark_ready, route_copy
from central.services.offline import Disagreement
from central.services.stop_holds import send_home_from_van, van_of


def record_load(ctx: ServiceContext, hold: Hold | None, item: Item) -> list[Disagreement]:
    """The van (at `ctx.location_id`, a stop of it or the van itself) loaded `item` for `hold`."""
    with transaction(ctx.session):
        van_id = van_of(ctx.session, ctx.location_id)
        assert van_id is not None, "a van's operation happens at the van or one of its stops"
        if hold is not None and hold.item_id == item.id:
            if hold.status == HoldStatus.READY:
                return []  # already on the van: returned at one of its stops, or scanned twice
            if hold.status == HoldStatus.IN_TRANSIT and van_of(ctx.session, hold.pickup_location_id) == van_id:
                item.current_location_id = van_id
                mark_ready(ctx, hold, item)
                audit.record(ctx, "hold.load", "hold", hold.id, after={"item": item.barcode, "van_id": van_id})
                return []
        item.current_location_id = van_id
        ctx.session.add(item)
        return [_loaded_for_nobody(ctx, hold, item)]


def _loaded_for_nobody(ctx: ServiceContext, hold: Hold | None, item: Item) -> Disagreement:
    """The hold no longer waits for this copy here (cancelled, given another copy, or moved)."""
    facts = {"hold_id": hold.id if hold else None, "hold_status": hold.status if hold else None}
    caught = ctx.session.exec(
        select(Hold.id).where(Hold.item_id == item.id, col(Hold.status).in_([HoldStatus.IN_TRANSIT, HoldStatus.READY]))
    ).first()
    free = caught is None and item.status in (ItemStatus.AVAILABLE, ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF)
    if free and route_copy(ctx, item) is None:
        send_home_from_van(ctx, item)
    audit.record(ctx, "item.loaded_without_hold", "item", item.id, before=facts)
    return Disagreement(
        "load_without_hold",
        f"移動図書館に積み込まれた資料({item.barcode})を待つ予約は、本館ではもうありませんでした。",
        "資料の所在を車両にしました。次の予約に回すか、本館に戻してください(状態は資料の記録のとおり)。",
        {**facts, "item_status": item.status},
    )
