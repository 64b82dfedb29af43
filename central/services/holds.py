"""Holds (予約): placing and cancelling them (R13, R14), and routing copies to them.

R13: a hold's `queue_number` is taken when central processes it, inside the transaction that
inserts it, after locking the title; the place shown to the patron is its rank among the title's
open holds, so places are strict (1..N, no ties, no gaps) whatever the concurrency.
"""

from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select

from central.errors import InvalidInput, NotFound, RuleRefused
from central.models import Bib, Hold, HoldStatus, Item, ItemStatus, Loan, Patron
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.services.lookup import bib_by_id, location_by_id
from central.services.patrons import ensure_may_borrow
from central.services.stop_holds import copy_on_pickup_van, send_home_from_van, stop_pickup_deadline


class ContactMethod(StrEnum):
    """How the patron wants to hear that the hold is ready (R10, R15)."""

    EMAIL = "email"
    PHONE = "phone"


def _lock_title(ctx: ServiceContext, bib_id: int) -> None:
    """Serialise hold placement per title (PostgreSQL row lock; SQLite already holds the write lock)."""
    ctx.session.exec(select(Bib.id).where(Bib.id == bib_id).with_for_update())


def queue_place(ctx: ServiceContext, hold: Hold) -> int:
    """R13/R19: the hold's place in its title's queue, counting open holds only."""
    ahead = ctx.session.exec(
        select(func.count())
        .select_from(Hold)
        .where(
            Hold.bib_id == hold.bib_id,
            col(Hold.status).in_(OPEN_HOLD_STATUSES),
            Hold.queue_number < hold.queue_number,
        )
    ).one()
    return int(ahead) + 1


def holds_waiting(ctx: ServiceContext, bib_id: int) -> int:
    """R9: holds on the title still waiting for a copy (queued, not yet caught)."""
    count = ctx.session.exec(
        select(func.count()).select_from(Hold).where(Hold.bib_id == bib_id, Hold.status == HoldStatus.QUEUED)
    ).one()
    return int(count)


def _check_can_hold(ctx: ServiceContext, patron: Patron, bib_id: int) -> None:
    ensure_may_borrow(ctx, patron)
    open_holds = list(
        ctx.session.exec(select(Hold).where(Hold.patron_id == patron.id, col(Hold.status).in_(OPEN_HOLD_STATUSES)))
    )
    if any(h.bib_id == bib_id for h in open_holds):
        raise RuleRefused("hold_exists", "この資料はすでに予約しています。", "You already have a hold on this title.")
    if len(open_holds) >= ctx.policy.max_holds:
        raise RuleRefused(
            "hold_limit",
            f"予約できるのは{ctx.policy.max_holds}点までです。",
            f"At most {ctx.policy.max_holds} holds are allowed.",
        )
    borrowing = ctx.session.exec(
        select(Loan.id)
        .join(Item, col(Item.id) == Loan.item_id)
        .where(Loan.patron_id == patron.id, col(Loan.returned_at).is_(None), Item.bib_id == bib_id)
    ).first()
    if borrowing is not None:
        raise RuleRefused(
            "already_borrowing", "この資料は現在借りています。", "You are borrowing a copy of this title already."
        )


def _shelf_copy_for(ctx: ServiceContext, bib_id: int, pickup_location_id: int) -> Item | None:
    """R14: an on-shelf copy no other open hold targets, preferring one at the pickup place."""
    targeted = select(Hold.item_id).where(col(Hold.status).in_(OPEN_HOLD_STATUSES), col(Hold.item_id).is_not(None))
    copies = ctx.session.exec(
        select(Item).where(
            Item.bib_id == bib_id,
            Item.status == ItemStatus.AVAILABLE,
            col(Item.id).not_in(targeted),
        )
    ).all()
    copies = sorted(copies, key=lambda c: (c.current_location_id != pickup_location_id, c.id))
    return copies[0] if copies else None


def place_hold(ctx: ServiceContext, patron: Patron, bib_id: int, pickup_location_id: int, contact_method: str) -> Hold:
    """Queue a hold on a title (R13); when a copy sits on a shelf the hold targets it (R14)."""
    try:
        method = ContactMethod(contact_method)
    except ValueError:
        raise InvalidInput("unknown_contact_method", "連絡方法を選んでください。", "Choose a contact method.") from None
    if method is ContactMethod.EMAIL and not patron.email:
        raise InvalidInput(
            "no_email_address",
            "メールアドレスが登録されていません。連絡方法に電話を選ぶか、メールアドレスを登録してください。",
            "No e-mail address is registered; choose telephone or register an address.",
        )
    with transaction(ctx.session):
        bib_by_id(ctx.session, bib_id)
        location_by_id(ctx.session, pickup_location_id)
        _lock_title(ctx, bib_id)
        _check_can_hold(ctx, patron, bib_id)
        copies = ctx.session.exec(
            select(func.count()).select_from(Item).where(Item.bib_id == bib_id, Item.status != ItemStatus.WITHDRAWN)
        ).one()
        if not copies:
            raise RuleRefused("not_reservable", "この資料は予約できません(所蔵がありません)。", "No copy can be held.")
        last = ctx.session.exec(select(func.max(Hold.queue_number)).where(Hold.bib_id == bib_id)).one()
        target = _shelf_copy_for(ctx, bib_id, pickup_location_id)
        hold = Hold(
            patron_id=patron.id,
            bib_id=bib_id,
            pickup_location_id=pickup_location_id,
            contact_method=method,
            queue_number=(last or 0) + 1,
            item_id=target.id if target else None,
            placed_at=ctx.now,
        )
        ctx.session.add(hold)
        ctx.session.flush()
        audit.record(ctx, "hold.place", "hold", hold.id, after={"bib_id": bib_id, "queue_number": hold.queue_number})
        return hold


def cancel_hold(ctx: ServiceContext, hold: Hold) -> Hold:
    """Cancel an open hold; a copy already caught for it goes to the next hold or back to the shelf."""
    with transaction(ctx.session):
        if hold.status not in OPEN_HOLD_STATUSES:
            raise RuleRefused("hold_closed", "この予約はすでに終了しています。", "This hold is no longer open.")
        before = {"status": hold.status}
        caught = hold.item_id if hold.status != HoldStatus.QUEUED else None
        _close(ctx, hold, HoldStatus.CANCELLED)
        audit.record(ctx, "hold.cancel", "hold", hold.id, before=before, after={"status": hold.status})
        if caught is not None:
            item = ctx.session.get(Item, caught)
            if item is not None:
                route_copy(ctx, item)
        return hold


def _close(ctx: ServiceContext, hold: Hold, status: HoldStatus) -> None:
    hold.status = status
    hold.closed_at = ctx.now
    if status is not HoldStatus.FULFILLED:
        hold.item_id = None
    ctx.session.add(hold)


def patron_hold(ctx: ServiceContext, patron: Patron, hold_id: int) -> Hold:
    """The patron's own hold, or "not found" (never another patron's)."""
    hold = ctx.session.get(Hold, hold_id)
    if hold is None or hold.patron_id != patron.id:
        raise NotFound("unknown_hold", "予約が見つかりません。", "No such hold.")
    return hold


def _next_hold_for(ctx: ServiceContext, item: Item) -> Hold | None:
    """The hold a copy should go to: one targeting it, else the first queued hold without a copy."""
    queued = ctx.session.exec(
        select(Hold)
        .where(Hold.bib_id == item.bib_id, Hold.status == HoldStatus.QUEUED)
        .order_by(col(Hold.queue_number))
    ).all()
    for hold in queued:
        if hold.item_id == item.id:
            return hold
    return next((h for h in queued if h.item_id is None), None)


def route_copy(ctx: ServiceContext, item: Item) -> Hold | None:
    """A copy at hand (returned, pulled, released): give it to the hold that waits for it (SPEC 12),
    on the hold shelf when it is at the pickup place (or, for a stop, on the van serving it), in
    transit otherwise - for a stop, to be loaded onto its van; else back on the shelf."""
    hold = _next_hold_for(ctx, item)
    if hold is None:
        item.status = ItemStatus.AVAILABLE
        ctx.session.add(item)
        return None
    hold.item_id = item.id
    if hold.pickup_location_id == item.current_location_id or copy_on_pickup_van(ctx, hold, item):
        mark_ready(ctx, hold, item)
    else:
        hold.status = HoldStatus.IN_TRANSIT
        item.status = ItemStatus.IN_TRANSIT
    ctx.session.add_all([hold, item])
    audit.record(ctx, "hold.catch", "hold", hold.id, after={"item_id": item.id, "status": hold.status})
    return hold


def mark_ready(ctx: ServiceContext, hold: Hold, item: Item) -> None:
    """The copy is on the hold shelf at the pickup place (or on the van serving the stop): the pickup
    period starts today - open days of the library, or the stop's next visits."""
    hold.status = HoldStatus.READY
    hold.ready_at = ctx.now
    hold.pickup_deadline = stop_pickup_deadline(
        ctx, hold.pickup_location_id, ctx.today
    ) or ctx.policy.calendar.add_open_days(ctx.today, ctx.policy.hold_pickup_open_days)
    item.status = ItemStatus.ON_HOLD_SHELF
    ctx.session.add_all([hold, item])


def retarget_after_walk_in(ctx: ServiceContext, item: Item) -> None:
    """R14: a walk-in borrowed a shelf copy a queued hold targeted; the hold looks for another copy."""
    holds = ctx.session.exec(select(Hold).where(Hold.item_id == item.id, Hold.status == HoldStatus.QUEUED)).all()
    for hold in holds:
        hold.item_id = None
        ctx.session.add(hold)
        ctx.session.flush()
        replacement = _shelf_copy_for(ctx, hold.bib_id, hold.pickup_location_id)
        hold.item_id = replacement.id if replacement else None
        audit.record(
            ctx, "hold.retarget", "hold", hold.id, before={"item_id": item.id}, after={"item_id": hold.item_id}
        )


def fulfil_if_held(ctx: ServiceContext, patron: Patron, item: Item) -> Hold | None:
    """The patron borrows a copy of a title they hold: that hold is fulfilled."""
    hold = ctx.session.exec(
        select(Hold).where(
            Hold.patron_id == patron.id, Hold.bib_id == item.bib_id, col(Hold.status).in_(OPEN_HOLD_STATUSES)
        )
    ).first()
    if hold is None:
        return None
    if hold.item_id not in (None, item.id) and hold.status != HoldStatus.QUEUED:
        # Their caught copy stays caught for them elsewhere; release it to the next in line.
        other = ctx.session.get(Item, hold.item_id)
        hold.item_id = item.id
        _close(ctx, hold, HoldStatus.FULFILLED)
        if other is not None:
            route_copy(ctx, other)
    else:
        hold.item_id = item.id
        _close(ctx, hold, HoldStatus.FULFILLED)
    audit.record(ctx, "hold.fulfil", "hold", hold.id, after={"item_id": item.id})
    return hold


def expire_hold(ctx: ServiceContext, hold: Hold) -> Hold | None:
    """An uncollected READY hold whose pickup deadline has passed expires; its copy goes to the next
    hold in the queue (ready at once when that hold's pickup place is where the copy is, else in
    transit), or else back to the shelf where it stands. Returns the hold now served, if any.

    A copy whose home is a van and that waited at the main library becomes available there: the
    copy's current place is the truth, and staff move it back to the van like any other copy. A
    copy that waited on a van for a stop goes back to its home library (in transit).
    """
    with transaction(ctx.session):
        if hold.status != HoldStatus.READY:
            raise RuleRefused(
                "hold_not_ready", "この予約は取置中ではありません。", "This hold is not waiting for pickup."
            )
        before = {"status": hold.status, "item_id": hold.item_id, "pickup_deadline": hold.pickup_deadline}
        caught = hold.item_id
        _close(ctx, hold, HoldStatus.EXPIRED)
        audit.record(ctx, "hold.expire", "hold", hold.id, before=before, after={"status": hold.status})
        item = ctx.session.get(Item, caught) if caught is not None else None
        if item is None:
            return None
        served = route_copy(ctx, item)
        if served is None:
            send_home_from_van(ctx, item)
        return served
