"""What the patrons' internet service shows: a patron's loans and holds, a title with its copies,
the pickup places. Reads only; every change goes through the use-case services.

The results are plain frozen dataclasses, so the HTML pages and the JSON API render the same
values and nothing touches the ORM after the query returns.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from central.errors import InvalidInput
from central.models import (
    Bib,
    Contributor,
    Hold,
    Item,
    ItemStatus,
    Loan,
    Location,
    LocationKind,
    Patron,
)
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services.accounts import account_of
from central.services.context import ServiceContext
from central.services.holds import queue_place
from central.services.lookup import bib_by_id
from sync_protocol.timezone import tokyo_date

# The library page: the 「カートに入れる」 button shows for titles a hold makes sense on, those with a
# copy out on loan (or already caught for someone). A title whose copies are all on the shelf is
# borrowed at the desk instead.
RESERVABLE_COPY_STATES = (ItemStatus.ON_LOAN, ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF)
# Copies a patron never sees in the catalogue.
HIDDEN_COPY_STATES = (ItemStatus.WITHDRAWN,)


@dataclass(frozen=True)
class Place:
    """A service point a patron can pick a hold up at (the main library or a bookmobile stop)."""

    id: int
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class PatronSummary:
    """The account header: who is signed in, and whether R6's reminder is due."""

    card_number: str
    name: str
    email: str | None
    temporary_password: bool


@dataclass(frozen=True)
class LoanView:
    """One open loan as the patron sees it (R8, R9)."""

    id: int
    bib_id: int
    title: str
    barcode: str
    out_date: date
    due_date: date
    overdue: bool
    renewal_count: int


@dataclass(frozen=True)
class HoldView:
    """One open hold with its place in the title's queue (R13, R19)."""

    id: int
    bib_id: int
    title: str
    status: str
    queue_place: int
    pickup: Place
    contact_method: str
    placed_on: date
    pickup_deadline: date | None


@dataclass(frozen=True)
class Credit:
    """A person credited on a title."""

    name: str
    name_reading: str
    role: str


@dataclass(frozen=True)
class CopyView:
    """A copy of a title: the library (or van) it belongs to and whether it can be borrowed now."""

    barcode: str
    location: str
    status: str
    due_date: date | None


@dataclass(frozen=True)
class TitleView:
    """A title page: the record, its copies, open holds, and whether a hold may be placed."""

    bib_id: int
    title: str
    title_reading: str
    subtitle: str
    contributors: tuple[Credit, ...]
    publisher: str
    source_book: str
    ndc: str
    copies: tuple[CopyView, ...]
    holds_waiting: int
    reservable: bool


@dataclass(frozen=True)
class TitleBrief:
    """A title as listed in the hold flow's confirmation."""

    bib_id: int
    title: str
    author: str


def _place(location: Location) -> Place:
    assert location.id is not None
    return Place(id=location.id, code=location.code, name=location.name, kind=location.kind)


def patron_summary(ctx: ServiceContext, patron: Patron) -> PatronSummary:
    """The signed-in patron, with R6's flag: still on the temporary password."""
    account = account_of(ctx, patron)
    return PatronSummary(
        card_number=patron.card_number,
        name=patron.name,
        email=patron.email,
        temporary_password=bool(account and account.temporary),
    )


def loans_of(ctx: ServiceContext, patron: Patron, only: Sequence[int] | None = None) -> list[LoanView]:
    """The patron's open loans (or those of `only` among them), soonest due first."""
    query = (
        select(Loan, Item, Bib)
        .join(Item, col(Item.id) == Loan.item_id)
        .join(Bib, col(Bib.id) == Item.bib_id)
        .where(Loan.patron_id == patron.id, col(Loan.returned_at).is_(None))
        .order_by(col(Loan.due_date), col(Loan.id))
    )
    if only is not None:
        query = query.where(col(Loan.id).in_(list(only)))
    rows = ctx.session.exec(query).all()
    return [
        LoanView(
            id=loan.id,  # type: ignore[arg-type]
            bib_id=bib.id,  # type: ignore[arg-type]
            title=bib.title,
            barcode=item.barcode,
            out_date=tokyo_date(loan.out_at),
            due_date=loan.due_date,
            overdue=ctx.today > loan.due_date,
            renewal_count=loan.renewal_count,
        )
        for loan, item, bib in rows
    ]


def holds_of(ctx: ServiceContext, patron: Patron, only: Sequence[int] | None = None) -> list[HoldView]:
    """The patron's open holds (or those of `only` among them), oldest first, with queue places."""
    query = (
        select(Hold, Bib, Location)
        .join(Bib, col(Bib.id) == Hold.bib_id)
        .join(Location, col(Location.id) == Hold.pickup_location_id)
        .where(Hold.patron_id == patron.id, col(Hold.status).in_(OPEN_HOLD_STATUSES))
        .order_by(col(Hold.placed_at), col(Hold.id))
    )
    if only is not None:
        query = query.where(col(Hold.id).in_(list(only)))
    return [
        HoldView(
            id=hold.id,  # type: ignore[arg-type]
            bib_id=bib.id,  # type: ignore[arg-type]
            title=bib.title,
            status=hold.status,
            queue_place=queue_place(ctx, hold),
            pickup=_place(location),
            contact_method=hold.contact_method,
            placed_on=tokyo_date(hold.placed_at),
            pickup_deadline=hold.pickup_deadline,
        )
        for hold, bib, location in ctx.session.exec(query).all()
    ]


def pickup_places(ctx: ServiceContext) -> list[Place]:
    """Where a hold can be collected: the main library first, then the bookmobile's stops."""
    locations = ctx.session.exec(
        select(Location).where(col(Location.kind).in_([LocationKind.MAIN, LocationKind.STOP]))
    ).all()
    ordered = sorted(locations, key=lambda loc: (loc.kind != LocationKind.MAIN, loc.code))
    return [_place(location) for location in ordered]


def pickup_place(ctx: ServiceContext, location_id: int) -> Place:
    """One of `pickup_places`, or a refusal (a van itself, or an unknown id, is no pickup place)."""
    for place in pickup_places(ctx):
        if place.id == location_id:
            return place
    raise InvalidInput("unknown_pickup_place", "受取場所を選んでください。", "Choose a pickup place.")


def _credits(ctx: ServiceContext, bib_ids: Sequence[int]) -> dict[int, tuple[Credit, ...]]:
    rows = ctx.session.exec(
        select(Contributor)
        .where(col(Contributor.bib_id).in_(list(bib_ids)))
        .order_by(col(Contributor.bib_id), col(Contributor.position), col(Contributor.id))
    ).all()
    found: dict[int, list[Credit]] = {bib_id: [] for bib_id in bib_ids}
    for person in rows:
        found[person.bib_id].append(Credit(person.name, person.name_reading, person.role))
    return {bib_id: tuple(people) for bib_id, people in found.items()}


def _copies(ctx: ServiceContext, bib_id: int) -> tuple[CopyView, ...]:
    rows = ctx.session.exec(
        select(Item, Location, Loan)
        .join(Location, col(Location.id) == Item.home_location_id)
        .join(Loan, (col(Loan.item_id) == Item.id) & col(Loan.returned_at).is_(None), isouter=True)
        .where(Item.bib_id == bib_id, col(Item.status).not_in(HIDDEN_COPY_STATES))
        .order_by(col(Item.barcode))
    ).all()
    return tuple(
        CopyView(
            barcode=item.barcode,
            location=location.name,
            status=item.status,
            due_date=loan.due_date if loan is not None else None,
        )
        for item, location, loan in rows
    )


def title_view(ctx: ServiceContext, bib_id: int) -> TitleView:
    """A title page's content, or NotFound."""
    bib = bib_by_id(ctx.session, bib_id)
    copies = _copies(ctx, bib_id)
    waiting = ctx.session.exec(
        select(Hold.id).where(Hold.bib_id == bib_id, col(Hold.status).in_(OPEN_HOLD_STATUSES))
    ).all()
    return TitleView(
        bib_id=bib_id,
        title=bib.title,
        title_reading=bib.title_reading,
        subtitle=bib.subtitle,
        contributors=_credits(ctx, [bib_id])[bib_id],
        publisher=bib.publisher,
        source_book=bib.source_book,
        ndc=bib.ndc,
        copies=copies,
        holds_waiting=len(waiting),
        reservable=any(copy.status in RESERVABLE_COPY_STATES for copy in copies),
    )


def titles_brief(ctx: ServiceContext, bib_ids: Sequence[int]) -> list[TitleBrief]:
    """The titles among `bib_ids` that exist, in the given order (a browser's cart may be stale)."""
    ids = list(dict.fromkeys(bib_ids))
    bibs = {bib.id: bib for bib in ctx.session.exec(select(Bib).where(col(Bib.id).in_(ids))).all()}
    people = _credits(ctx, [i for i in ids if i in bibs])
    return [
        TitleBrief(bib_id=i, title=bibs[i].title, author="・".join(p.name for p in people[i])) for i in ids if i in bibs
    ]
