"""カート -> 予約する -> 利用者認証 -> 受取場所・連絡方法 -> 予約内容の確認 -> 予約完了 (R15, R16, R18).

The cart itself lives in the browser (R16, static/cart.js): the server learns which titles are in it
only when the patron presses 「予約する」, as `bib` parameters carried from step to step. Nothing is
reserved before 「予約を確定する」. A signed-in patron skips the sign-in step (R18).
"""

from dataclasses import dataclass
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from central.errors import CentralError, InvalidInput
from central.models import Patron
from central.retry import retrying
from central.services.context import ServiceContext
from central.services.holds import ContactMethod, place_hold
from central.services.patron_view import TitleBrief, holds_of, pickup_place, pickup_places, titles_brief
from central.services.timetable import upcoming_by_stop
from central.web.deps import ContextDep, CurrentPatron, RecordId, Viewer
from central.web.pages.search import back_to_results
from central.web.rendering import redirect, render
from central.web.security.flash import Flash

router = APIRouter()

# More than a patron may hold (policy max_holds) is refused by the service, title by title.
MAX_CART = 50
BibsQuery = Annotated[list[RecordId], Query(min_length=1, max_length=MAX_CART)]
BackQuery = Annotated[str, Query(max_length=1000)]


@dataclass(frozen=True)
class Outcome:
    """One title of the cart after 「予約を確定する」: the hold placed, or why not."""

    title: TitleBrief
    hold_id: int | None
    refusal: str | None


def _cart_titles(ctx: ServiceContext, bib_ids: list[int]) -> list[TitleBrief]:
    titles = titles_brief(ctx, bib_ids)
    if not titles:
        raise InvalidInput("cart_empty", "カートに予約できる資料がありません。", "The cart holds no known title.")
    return titles


def _flow_query(bibs: list[TitleBrief], back: str, **more: object) -> str:
    return urlencode([("bib", t.bib_id) for t in bibs] + [("back", back), *more.items()])


def _place_all(
    ctx: ServiceContext, patron: Patron, titles: list[TitleBrief], pickup_id: int, contact: str
) -> list[Outcome]:
    """Each title is its own hold and its own transaction, run again on its own after a transient
    failure: one refusal (already held, limit reached, the database too busy) leaves the others
    placed, and the done page says which and why."""
    outcomes = []
    for title in titles:
        try:
            hold = retrying(ctx.session, partial(place_hold, ctx, patron, title.bib_id, pickup_id, contact))
        except CentralError as refusal:
            outcomes.append(Outcome(title, None, refusal.ja))
        else:
            outcomes.append(Outcome(title, hold.id, None))
    return outcomes


@router.get("/cart")
def cart(request: Request) -> Response:
    """カート: filled from the browser's storage by cart.js (R16)."""
    return render(request, "cart.html", {"step": 1})


@router.get("/holds/new")
def choose(request: Request, ctx: ContextDep, viewer: Viewer, bib: BibsQuery, back: BackQuery = "/search") -> Response:
    """予約する: the sign-in step (skipped when signed in, R18), then pickup place and contact method."""
    titles = _cart_titles(ctx, bib)
    back = back_to_results(back)
    if viewer is None:
        here = "/holds/new?" + _flow_query(titles, back)
        return render(request, "login.html", {"next": here, "in_flow": True, "step": 2})
    places = pickup_places(ctx)
    context = {
        "titles": titles,
        "places": places,
        "visits": upcoming_by_stop(ctx.session, [p.id for p in places if p.kind == "stop"], ctx.today, 2),
        "email": viewer.patron.email,
        "flow": [("bib", t.bib_id) for t in titles] + [("back", back)],
        "step": 3,
    }
    return render(request, "pickup.html", context)


@router.get("/holds/confirm")
def confirm(
    request: Request,
    ctx: ContextDep,
    patron: CurrentPatron,
    bib: BibsQuery,
    pickup: Annotated[RecordId, Query()],
    contact: Annotated[ContactMethod, Query()],
    back: BackQuery = "/search",
) -> Response:
    """予約内容の確認: what will be reserved, where it will wait, how the patron hears of it."""
    titles = _cart_titles(ctx, bib)
    back = back_to_results(back)
    context = {
        "titles": titles,
        "place": pickup_place(ctx, pickup),
        "contact": contact,
        "email": patron.email,
        "back": back,
        "change_url": "/holds/new?" + _flow_query(titles, back),
        "step": 4,
    }
    return render(request, "confirm.html", context)


@router.post("/holds")
def place(
    request: Request,
    ctx: ContextDep,
    patron: CurrentPatron,
    bib: Annotated[list[RecordId], Form(min_length=1, max_length=MAX_CART)],
    pickup: Annotated[RecordId, Form()],
    contact: Annotated[ContactMethod, Form()],
    back: Annotated[str, Form(max_length=1000)] = "/search",
) -> Response:
    """予約を確定する: the holds are placed now, each taking its queue place as processed (R13)."""
    titles = _cart_titles(ctx, bib)
    place_id = pickup_place(ctx, pickup).id
    outcomes = _place_all(ctx, patron, titles, place_id, contact)
    placed = [("hold", o.hold_id) for o in outcomes if o.hold_id is not None]
    refused = [Flash(f"「{o.title.title}」は予約できませんでした。{o.refusal}", "error") for o in outcomes if o.refusal]
    query = urlencode([*placed, ("back", back_to_results(back))])
    return redirect(request, f"/holds/done?{query}", refused)


@router.get("/holds/done")
def done(
    request: Request,
    ctx: ContextDep,
    patron: CurrentPatron,
    hold: Annotated[list[RecordId] | None, Query(max_length=MAX_CART)] = None,
    back: BackQuery = "/search",
) -> Response:
    """予約完了: the holds just placed with their queue places; 「予約完了」 returns to the results."""
    holds = holds_of(ctx, patron, only=hold) if hold else []
    return render(request, "done.html", {"holds": holds, "back": back_to_results(back), "step": 5})
