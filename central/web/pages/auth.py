"""利用者認証 and ログアウト (R15, R17). No password recovery anywhere (R7): the sign-in page says to
apply again in person at the desk or on the bookmobile."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from central.retry import retrying
from central.web.deps import ClientAddress, GuestContextDep, SessionDep, Viewer
from central.web.errors import returns_to
from central.web.rendering import local_path, redirect, render
from central.web.security import csrf, sessions
from central.web.security.cookies import delete_cookie, set_cookie
from central.web.security.credentials import sign_in
from central.web.security.flash import Flash
from central.web.state import web_state

router = APIRouter()

NextQuery = Annotated[str, Query(max_length=1000)]


@router.get("/login")
def login_form(request: Request, viewer: Viewer, next: NextQuery = "/account") -> Response:
    """利用者認証. Already signed in, the patron goes straight on."""
    target = local_path(next, "/account")
    if viewer is not None:
        return redirect(request, target)
    return render(request, "login.html", {"next": target, "in_flow": target.startswith("/holds/"), "step": 2})


@router.post("/login", dependencies=[Depends(returns_to("/login", keep_query=True))])
def login(
    request: Request,
    ctx: GuestContextDep,
    address: ClientAddress,
    card_number: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=128)],
    next: NextQuery = "/account",
) -> Response:
    """「次に進む」: a new session (never one the browser brought along) and a new CSRF value."""
    state = web_state(request)
    _, token = sign_in(ctx, state, card_number, password, address, sessions.Kind.COOKIE)
    csrf.renew(request)
    response = redirect(request, local_path(next, "/account"))
    set_cookie(request, response, sessions.COOKIE, token, max_age=int(state.session_lifetime.total_seconds()))
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, viewer: Viewer) -> Response:
    """ログアウト (R17): the session row is deleted, the cookie dropped."""
    if viewer is not None:
        retrying(session, lambda: sessions.end(session, viewer))
    csrf.renew(request)
    response = redirect(request, "/search", [Flash("ログアウトしました。")])
    delete_cookie(request, response, sessions.COOKIE)
    return response
