"""資料検索 -> 検索結果一覧 -> the title page (R15's first steps; R18's ticks on the results)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from central.search import SearchField, SearchQuery, search_titles
from central.services.patron_view import title_view
from central.web.deps import MAX_ID, ContextDep, Viewer
from central.web.rendering import local_path, redirect, render

router = APIRouter()

FIELD_LABELS = {SearchField.KEYWORD: "キーワード", SearchField.TITLE: "書名", SearchField.AUTHOR: "著者名"}
SearchText = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
_PAGE_WINDOW = 2


def results_url(text: str, field: str, page: int = 1) -> str:
    return "/search/results?" + urlencode({"q": text, "field": field, "page": page})


def back_to_results(back: str | None) -> str:
    """A results link carried through the pages, or the search page when it is missing or foreign."""
    path = local_path(back, "/search")
    return path if path.startswith("/search") else "/search"


def page_window(current: int, last: int) -> list[int]:
    """Page numbers to link: the first, the last, and a few around the current one."""
    around = range(max(1, current - _PAGE_WINDOW), min(last, current + _PAGE_WINDOW) + 1)
    return sorted({1, last, *around} - {0})


@router.get("/")
def home(request: Request) -> Response:
    return redirect(request, "/search")


@router.get("/search")
def search_form(request: Request) -> Response:
    """資料検索: one box, the field to search, and how to type Japanese queries."""
    return render(request, "search.html", {"fields": FIELD_LABELS, "field": SearchField.KEYWORD, "text": ""})


@router.get("/search/results")
def results(
    request: Request,
    ctx: ContextDep,
    viewer: Viewer,
    q: SearchText = "",
    field: SearchField = SearchField.KEYWORD,
    page: PageNumber = 1,
) -> Response:
    """検索結果一覧 with availability per title; signed in, on-loan titles get a tick box (R18)."""
    if not q.strip():
        context = {"fields": FIELD_LABELS, "field": field, "text": q, "empty_query": True}
        return render(request, "search.html", context, status=422)
    found = search_titles(ctx.session, SearchQuery(text=q, field=field, page=page))
    here = results_url(q, field, page)
    return render(
        request,
        "results.html",
        {
            "fields": FIELD_LABELS,
            "field": field,
            "text": q,
            "found": found,
            "here": here,
            "signed_in": viewer is not None,
            "pages": page_window(page, found.pages) if found.pages else [],
            "page_url": lambda n: results_url(q, field, n),
            "title_url": lambda bib_id: f"/titles/{bib_id}?" + urlencode({"back": here}),
        },
    )


@router.get("/titles/{bib_id}")
def title(
    request: Request,
    ctx: ContextDep,
    bib_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    back: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """A title with its copies; 「カートに入れる」 only when a hold makes sense (a copy is out)."""
    view = title_view(ctx, bib_id)
    return render(request, "title.html", {"title": view, "back": back_to_results(back)})
