"""The one place errors become responses: JSON under /api, a Japanese page (or, after a form, a
redirect back with the message) everywhere else.

Every failure is first reduced to a `Problem` (status, stable code, Japanese and English text), so
the API and the pages cannot drift apart in what they say. A write the database kept aborting for
concurrent work (`central.retry.Contention`, 503 `database_busy`) is such a problem too: the page
says so and links back to the form, nothing of it having been saved.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from central.errors import CentralError, NotFound
from central.web.deps import NotSignedIn
from central.web.rendering import redirect, render
from central.web.security.flash import Flash

log = logging.getLogger(__name__)

# After a form, these come back to the form's page as a message instead of an error page.
_FORM_STATUSES = frozenset({401, 409, 422, 429})
# Machine surfaces: the JSON API, and the bookmobiles' sync endpoints (for errors they do not
# answer themselves, such as an unknown path).
_JSON_PREFIXES = ("/api/", "/sync/")


@dataclass(frozen=True)
class Problem:
    """What went wrong, in the words both surfaces use."""

    status: int
    code: str
    ja: str
    en: str
    details: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class ErrorReturn:
    """Where a page's form sends the patron back to, with the message, when a rule refuses."""

    url: str
    target: str = ""


def returns_to(url: str, target: str = "", *, keep_query: bool = False) -> Callable[[Request], None]:
    """A route dependency: on a refusal, go back to `url` (formatted with the path parameters)."""

    def dependency(request: Request) -> None:
        path = url.format(**request.path_params)
        if keep_query and request.url.query:
            path += ("&" if "?" in path else "?") + request.url.query
        request.state.error_return = ErrorReturn(path, target.format(**request.path_params))

    return dependency


_HTTP_PROBLEMS = {
    404: ("not_found", "お探しのページは見つかりませんでした。", "Not found."),
    405: ("method_not_allowed", "この操作はできません。", "Method not allowed."),
}


def problem_of(error: Exception) -> Problem:
    if isinstance(error, CentralError):
        return Problem(error.status, error.code, error.ja, error.en)
    if isinstance(error, RequestValidationError):
        details = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in error.errors()]
        return Problem(
            422, "invalid_request", "入力内容に誤りがあります。もう一度お確かめください。", "Invalid request.", details
        )
    if isinstance(error, HTTPException):
        code, ja, en = _HTTP_PROBLEMS.get(
            error.status_code, ("http_error", "この操作はできません。", str(error.detail))
        )
        return Problem(error.status_code, code, ja, en)
    log.exception("unexpected error", exc_info=error)
    return Problem(
        500,
        "internal_error",
        "システムでエラーが発生しました。しばらくしてからもう一度お試しください。",
        "Internal server error.",
    )


def _json(problem: Problem) -> JSONResponse:
    body: dict[str, Any] = {"code": problem.code, "message": problem.ja, "message_en": problem.en}
    if problem.details is not None:
        body["details"] = problem.details
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse({"error": body}, status_code=problem.status, headers=headers)


def _page(request: Request, error: Exception, problem: Problem) -> Response:
    if isinstance(error, NotSignedIn):
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = back if request.method == "GET" else "/account"
        return redirect(request, f"/login?next={quote(target, safe='')}")
    back_to: ErrorReturn | None = getattr(request.state, "error_return", None)
    if back_to and problem.status in _FORM_STATUSES and not isinstance(error, NotFound):
        return redirect(request, back_to.url, [Flash(problem.ja, "error", back_to.target)])
    context = {"problem": problem, "back": back_to.url if back_to else None}
    return render(request, "error.html", context, status=problem.status)


async def handle(request: Request, error: Exception) -> Response:
    """The exception handler for every error kind, on both surfaces."""
    problem = problem_of(error)
    return _json(problem) if request.url.path.startswith(_JSON_PREFIXES) else _page(request, error, problem)


def install(app: FastAPI) -> None:
    for kind in (CentralError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(kind, handle)
