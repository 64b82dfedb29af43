"""The one place staff pages turn errors into responses.

Every staff route is a `StaffRoute`: whatever a dependency or the endpoint raises is answered here,
in the staff pages' own look - a sign-in redirect, the form again with the message (post/redirect/
get), or the staff error page (403 for a desk account on an admin page; 503 when the database kept
aborting the write for concurrent work, `central.retry.Contention`). Failures are reduced to the
same `Problem` the patrons' pages use, so both surfaces say the same thing.
"""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.routing import APIRoute

from central.web.errors import ErrorReturn, problem_of
from central.web.rendering import redirect
from central.web.security.flash import Flash
from central.web.staff.deps import StaffNotSignedIn
from central.web.staff.rendering import render

# After a form, these come back to the form's page as a message (an unknown barcode included).
_FORM_STATUSES = frozenset({401, 404, 409, 422, 429})
# A long form also comes back, with its status, when the database was too busy: nothing was saved,
# and it is sent again as typed.
_REFILL_STATUSES = _FORM_STATUSES | {503}


def refills(template: str) -> Callable[[Request], None]:
    """A route dependency: on a refusal, show `template` again with what was typed and the message,
    instead of redirecting (a long form such as a registration is not typed twice)."""

    def dependency(request: Request) -> None:
        request.state.refill = template

    return dependency


async def error_response(request: Request, error: Exception) -> Response:
    """The staff surface's answer to any failure."""
    if isinstance(error, StaffNotSignedIn):
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = back if request.method == "GET" else "/staff"
        return redirect(request, f"/staff/login?next={quote(target, safe='')}")
    problem = problem_of(error)
    refill: str | None = getattr(request.state, "refill", None)
    if refill and problem.status in _REFILL_STATUSES:
        typed = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and "password" not in k}
        return render(request, refill, {"form": typed, "error": problem.ja}, status=problem.status)
    back_to: ErrorReturn | None = getattr(request.state, "error_return", None)
    if back_to and problem.status in _FORM_STATUSES:
        return redirect(request, back_to.url, [Flash(problem.ja, "error", back_to.target)])
    context = {"problem": problem, "back": back_to.url if back_to else None}
    return render(request, "staff/error.html", context, status=problem.status)


class StaffRoute(APIRoute):
    """An APIRoute whose failures are answered by `error_response`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # every failure is answered in the staff pages' look
                return await error_response(request, error)

        return guarded
