"""What central sends a van (B6): a full snapshot, or the changes since the van's cursor.

Least data on the van: the roster carries only what the desk needs (card number, name and reading
to confirm who is at the counter, may-borrow, open loans, account yes/no, the first day R1 allows
an application) - no address, telephone or birth date. Copies are those the van carries, lent, or
holds for its stops. The holds are the open ones for its stops - on the van, to be loaded, or
waiting for a copy - so the counter can tell a patron where a hold is; the timetable of its stops
for the coming weeks comes whole with every pull.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select

from central.bulk import in_lists
from central.models import (
    Bib,
    CardBlock,
    ChangeLogEntry,
    Hold,
    HoldStatus,
    InternetAccount,
    Item,
    Loan,
    Location,
    Patron,
    PatronBlock,
    PatronStatus,
    SyncNode,
)
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services.changelog import stable_cursor, unpack_keys
from central.services.context import ServiceContext, transaction
from central.services.timetable import visits
from sync_protocol.changes import Changes, ScopeChecksums
from sync_protocol.eligibility_dates import internet_service_eligible_from
from sync_protocol.snapshot import (
    CardNumberBlock,
    CarriedItem,
    HoldState,
    HoldToHandOver,
    ItemState,
    RosterEntry,
    Snapshot,
    Stop,
    TitleEntry,
    Visit,
)

# How far ahead the van's timetable reaches.
VISIT_WEEKS = 8
_HOLD_STATES = {
    HoldStatus.READY: HoldState.ON_VAN,
    HoldStatus.IN_TRANSIT: HoldState.TO_LOAD,
    HoldStatus.QUEUED: HoldState.QUEUED,
}


def _rows_in(ctx: ServiceContext, query: Any, column: Any, ids: Iterable[Any]) -> list[Any]:
    """`query`'s rows whose `column` is one of `ids`, however many (one statement per `in_lists` slice:
    a pull after weeks away can name more changed keys than a statement may carry)."""
    return [row for part in in_lists(sorted(ids)) for row in ctx.session.exec(query.where(col(column).in_(part))).all()]


def _van_location_ids(ctx: ServiceContext, node: SyncNode) -> list[int]:
    stops = ctx.session.exec(select(Location.id).where(Location.parent_id == node.location_id)).all()
    return [node.location_id, *[s for s in stops if s is not None]]


def _stops(ctx: ServiceContext, node: SyncNode) -> tuple[Stop, ...]:
    rows = ctx.session.exec(select(Location).where(Location.parent_id == node.location_id).order_by(col(Location.code)))
    return tuple(Stop(code=s.code, name=s.name) for s in rows)


def _roster(ctx: ServiceContext, patron_ids: Iterable[int] | None = None) -> list[RosterEntry]:
    """Roster entries for active patrons (all of them, or those in `patron_ids`).

    Plain column reads, not ORM objects: a first pull carries the whole library's roster.
    """
    query = select(Patron.id, Patron.card_number, Patron.name, Patron.name_reading, Patron.birth_date).where(
        Patron.status == PatronStatus.ACTIVE
    )
    open_loans = dict(
        ctx.session.exec(  # type: ignore[arg-type]
            select(Loan.patron_id, func.count()).where(col(Loan.returned_at).is_(None)).group_by(Loan.patron_id)
        ).all()
    )
    blocked = set(ctx.session.exec(select(PatronBlock.patron_id).where(col(PatronBlock.lifted_at).is_(None))).all())
    accounts = set(ctx.session.exec(select(InternetAccount.patron_id)).all())
    eligible_from: dict[object, object] = {}
    entries = []
    rows = ctx.session.exec(query).all() if patron_ids is None else _rows_in(ctx, query, Patron.id, patron_ids)
    for patron_id, card, name, reading, born in rows:
        if born not in eligible_from:
            eligible_from[born] = internet_service_eligible_from(born)
        entries.append(
            RosterEntry(
                card_number=card,
                name=name,
                name_reading=reading,
                blocked=patron_id in blocked,
                open_loans=open_loans.get(patron_id, 0),
                has_internet_account=patron_id in accounts,
                internet_eligible_from=eligible_from[born],  # type: ignore[arg-type]
            )
        )
    return entries


def _carried_items(ctx: ServiceContext, node: SyncNode, item_ids: Iterable[int] | None = None) -> list[CarriedItem]:
    """Copies whose home or current place is the van or one of its stops (on the shelf, lent, or held),
    and those caught for a hold at one of its stops (to be loaded at the main library)."""
    places = _van_location_ids(ctx, node)
    for_stops = (
        select(Hold.item_id)
        .join(Location, col(Location.id) == Hold.pickup_location_id)
        .where(Location.parent_id == node.location_id, col(Hold.status).in_([HoldStatus.IN_TRANSIT, HoldStatus.READY]))
    )
    query = select(Item).where(
        or_(
            col(Item.home_location_id).in_(places),
            col(Item.current_location_id).in_(places),
            col(Item.id).in_(for_stops),
        )
    )
    items = ctx.session.exec(query).all() if item_ids is None else _rows_in(ctx, query, Item.id, item_ids)
    ids = [i.id for i in items]
    open_loans = (
        select(Loan, Patron.card_number)
        .join(Patron, col(Patron.id) == Loan.patron_id)
        .where(col(Loan.returned_at).is_(None))
    )
    loans = {loan.item_id: (loan, card) for loan, card in _rows_in(ctx, open_loans, Loan.item_id, ids)}
    open_holds = select(Hold.item_id, Hold.id).where(col(Hold.status).in_(OPEN_HOLD_STATUSES))
    holds = dict(_rows_in(ctx, open_holds, Hold.item_id, ids))
    result = []
    for item in items:
        loan, card = loans.get(item.id, (None, None))
        result.append(
            CarriedItem(
                barcode=item.barcode,
                bib_id=item.bib_id,
                status=ItemState(item.status),
                due_date=loan.due_date if loan else None,
                borrower_card=card,
                renewal_count=loan.renewal_count if loan else 0,
                hold_id=holds.get(item.id),
            )
        )
    return result


def _titles(ctx: ServiceContext, bib_ids: Iterable[int]) -> list[TitleEntry]:
    ids = set(bib_ids)
    queued = select(Hold.bib_id, func.count()).where(Hold.status == HoldStatus.QUEUED).group_by(Hold.bib_id)
    waiting = dict(_rows_in(ctx, queued, Hold.bib_id, ids))
    bibs = _rows_in(ctx, select(Bib.id, Bib.title), Bib.id, ids)
    return [TitleEntry(bib_id=b, title=t, holds_waiting=waiting.get(b, 0)) for b, t in bibs]  # type: ignore[misc]


def _holds(ctx: ServiceContext, node: SyncNode, hold_ids: Iterable[int] | None = None) -> list[HoldToHandOver]:
    """Open holds for pickup at one of the van's stops: on the van, to be loaded, or waiting for a copy
    (no barcode: a copy a queued hold merely targets on a shelf is not caught for it)."""
    query = (
        select(Hold, Patron.card_number, Item.barcode, Location.code)
        .join(Patron, col(Patron.id) == Hold.patron_id)
        .join(Item, col(Item.id) == Hold.item_id, isouter=True)
        .join(Location, col(Location.id) == Hold.pickup_location_id)
        .where(Location.parent_id == node.location_id, col(Hold.status).in_(OPEN_HOLD_STATUSES))
    )
    rows = ctx.session.exec(query).all() if hold_ids is None else _rows_in(ctx, query, Hold.id, hold_ids)
    return [
        HoldToHandOver(
            hold_id=hold.id,  # type: ignore[arg-type]
            card_number=card,
            bib_id=hold.bib_id,
            barcode=barcode if hold.status != HoldStatus.QUEUED and barcode else "",
            stop_code=stop,
            pickup_deadline=hold.pickup_deadline,
            state=_HOLD_STATES[HoldStatus(hold.status)],
        )
        for hold, card, barcode, stop in rows
    ]


def _visits(ctx: ServiceContext, node: SyncNode) -> tuple[Visit, ...]:
    """The van's timetable from today for VISIT_WEEKS weeks, cancelled visits included (marked)."""
    slots = visits(ctx.session, ctx.today, ctx.today + timedelta(weeks=VISIT_WEEKS), van_id=node.location_id)
    own = {s.code for s in _stops(ctx, node)}
    return tuple(
        Visit(s.stop_code, s.day, f"{s.arrives:%H:%M}", f"{s.departs:%H:%M}", s.route_code, s.cancelled)
        for s in slots
        if s.stop_code in own
    )


def _card_blocks(ctx: ServiceContext, node: SyncNode) -> tuple[CardNumberBlock, ...]:
    blocks = ctx.session.exec(select(CardBlock).where(CardBlock.node_id == node.id).order_by(col(CardBlock.first)))
    return tuple(CardNumberBlock(first=b.first, last=b.last) for b in blocks)


def _cursor(ctx: ServiceContext) -> int:
    """Where the van's next pull starts: no change at or below it can still be committed later."""
    return stable_cursor(ctx.session)


def full_snapshot(ctx: ServiceContext, node: SyncNode, library_name: str) -> Snapshot:
    """Everything the van needs, as of now: for the first pull and any re-bootstrap."""
    with transaction(ctx.session):
        cursor = _cursor(ctx)
        items = _carried_items(ctx, node)
        holds = _holds(ctx, node)
        titles = _titles(ctx, [i.bib_id for i in items] + [h.bib_id for h in holds])
        snapshot = Snapshot(
            node_id=node.code,
            generated_at=ctx.now,
            library_name=library_name,
            policy=ctx.policy,
            stops=_stops(ctx, node),
            card_blocks=_card_blocks(ctx, node),
            titles=tuple(sorted(titles, key=lambda t: t.bib_id)),
            items=tuple(sorted(items, key=lambda i: i.barcode)),
            holds=tuple(sorted(holds, key=lambda h: h.hold_id)),
            roster=tuple(sorted(_roster(ctx), key=lambda r: r.card_number)),
            cursor=cursor,
            node_applied_seq=node.high_water,
            visits=_visits(ctx, node),
        )
        _note_pull(ctx, node)
        return snapshot


def _note_pull(ctx: ServiceContext, node: SyncNode) -> None:
    fresh = ctx.session.get(SyncNode, node.id)
    if fresh is not None:
        fresh.last_pull_at = ctx.now
        ctx.session.add(fresh)


def changes_since(ctx: ServiceContext, node: SyncNode, since: int) -> Changes:
    """The changes after cursor `since`, and the checksum of each whole scope as it now stands."""
    with transaction(ctx.session):
        cursor = _cursor(ctx)
        changed: dict[str, set[int]] = {"roster": set(), "items": set(), "titles": set(), "holds": set()}
        for scope, keys in ctx.session.exec(
            select(ChangeLogEntry.scope, ChangeLogEntry.keys).where(
                ChangeLogEntry.id > since, ChangeLogEntry.id <= cursor
            )
        ).all():
            changed[scope].update(unpack_keys(keys))
        roster = _roster(ctx, changed["roster"])
        inactive = select(Patron.card_number).where(Patron.status != PatronStatus.ACTIVE)
        gone_patrons = _rows_in(ctx, inactive, Patron.id, changed["roster"])
        items = _carried_items(ctx, node, changed["items"])
        gone_items = set(_rows_in(ctx, select(Item.barcode), Item.id, changed["items"])) - {i.barcode for i in items}
        holds = _holds(ctx, node, changed["holds"])
        gone_holds = changed["holds"] - {h.hold_id for h in holds}
        full_items = _carried_items(ctx, node)
        full_holds = _holds(ctx, node)
        relevant_bibs = {i.bib_id for i in full_items} | {h.bib_id for h in full_holds}
        titles = _titles(ctx, (changed["titles"] | {i.bib_id for i in items}) & relevant_bibs)
        checksums = ScopeChecksums.of(
            Snapshot(
                node_id=node.code,
                generated_at=ctx.now,
                library_name="",
                policy=ctx.policy,
                stops=(),
                card_blocks=(),
                titles=tuple(_titles(ctx, relevant_bibs)),
                items=tuple(full_items),
                holds=tuple(full_holds),
                roster=tuple(_roster(ctx)),
            )
        )
        _note_pull(ctx, node)
        return Changes(
            node_id=node.code,
            generated_at=ctx.now,
            since=since,
            cursor=cursor,
            node_applied_seq=node.high_water,
            roster=tuple(roster),
            roster_deleted=tuple(sorted(gone_patrons)),
            titles=tuple(titles),
            titles_deleted=tuple(sorted(changed["titles"] - relevant_bibs)),
            items=tuple(items),
            items_deleted=tuple(sorted(gone_items)),
            holds=tuple(holds),
            holds_deleted=tuple(sorted(gone_holds)),
            policy=ctx.policy,
            stops=_stops(ctx, node),
            card_blocks=_card_blocks(ctx, node),
            checksums=checksums,
            visits=_visits(ctx, node),
        )
