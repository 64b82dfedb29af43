"""Search, title pages and pickup places: open to everyone, signed in or not."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from central.search import SearchField, SearchQuery, search_titles
from central.search.types import DEFAULT_PER_PAGE, MAX_PER_PAGE
from central.services.patron_view import Place, TitleView, pickup_places, title_view
from central.web.api.schemas import SearchResponse
from central.web.deps import MAX_ID, ContextDep

router = APIRouter(tags=["catalogue"])


@router.get("/search")
def search(
    ctx: ContextDep,
    q: Annotated[str, Query(max_length=200, description="Words of the title, reading or author.")] = "",
    field: SearchField = SearchField.KEYWORD,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
) -> SearchResponse:
    """Titles matching every word (kana and width folded), with copies on shelf, on loan and holds."""
    found = search_titles(ctx.session, SearchQuery(text=q, field=field, page=page, per_page=per_page))
    return SearchResponse.of(found)


@router.get("/titles/{bib_id}")
def title(ctx: ContextDep, bib_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> TitleView:
    """A title with its copies; `reservable` says whether a hold may be requested on the pages."""
    return title_view(ctx, bib_id)


@router.get("/pickup-places")
def places(ctx: ContextDep) -> list[Place]:
    """Where holds can be collected: the main library and the bookmobile's stops."""
    return pickup_places(ctx)
