"""職員ログイン / ログアウト and the staff home page. A separate sign-in from the patrons' one: its
own accounts, its own cookie (sent only under /staff), its own throttle keys."""

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from central.retry import retrying
from central.services.context import ServiceContext
from central.staff import sessions
from central.staff.accounts import authenticate_staff
from central.staff.conflict_queue import QueueFilter, list_conflicts
from central.staff.devices import node_dashboard
from central.web.deps import ClientAddress, GuestContextDep
from central.web.errors import returns_to
from central.web.rendering import local_path, redirect
from central.web.security import csrf, throttle
from central.web.security.cookies import SameSite, delete_cookie, set_cookie
from central.web.security.credentials import throttled
from central.web.security.flash import Flash
from central.web.staff.deps import CurrentStaff, StaffContext, node_silence, staff_session_lifetime
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute
from central.web.state import WebState, web_state

router = APIRouter(prefix="/staff", route_class=StaffRoute)
COOKIE_PATH = "/staff"
COOKIE_SAMESITE: SameSite = "strict"
NextQuery = Annotated[str, Query(max_length=1000)]


def _next(target: str) -> str:
    path = local_path(target, "/staff")
    return path if path.startswith("/staff") else "/staff"


def _keys(state: WebState, username: str, address: str) -> throttle.Keys:
    digest = hmac.new(state.secret, b"staff:" + username.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return throttle.Keys(card=f"staff:{digest[:40]}", address=f"staffaddr:{address[:60]}")


def _sign_in(ctx: ServiceContext, state: WebState, username: str, password: str, address: str) -> str:
    """Throttle, then the password; a session on success. Failures count as on the patrons' side,
    and each write is run again on its own after a transient failure, as there."""
    keys = _keys(state, username, address)
    user = throttled(ctx, keys, state.throttle_limits, lambda: authenticate_staff(ctx, username, password))
    retrying(ctx.session, lambda: throttle.forget_card(ctx.session, keys))
    return retrying(ctx.session, lambda: sessions.start(ctx, user, staff_session_lifetime(state)))


@router.get("/login")
def login_form(request: Request, next: NextQuery = "/staff") -> Response:
    """職員ログイン."""
    return render(request, "staff/login.html", {"next": _next(next)})


@router.post("/login", dependencies=[Depends(returns_to("/staff/login", keep_query=True))])
def login(
    request: Request,
    ctx: GuestContextDep,
    address: ClientAddress,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=128)],
    next: NextQuery = "/staff",
) -> Response:
    state = web_state(request)
    token = _sign_in(ctx, state, username, password, address)
    csrf.renew(request)
    response = redirect(request, _next(next))
    set_cookie(
        request,
        response,
        sessions.COOKIE,
        token,
        max_age=int(staff_session_lifetime(state).total_seconds()),
        path=COOKIE_PATH,
        samesite=COOKIE_SAMESITE,
    )
    return response


@router.post("/logout")
def logout(request: Request, ctx: StaffContext, staff: CurrentStaff) -> Response:
    """ログアウト: the session row is deleted and the cookie dropped."""
    retrying(ctx.session, lambda: sessions.end(ctx, staff, request.state.staff_session_id))
    csrf.renew(request)
    response = redirect(request, "/staff/login", [Flash("ログアウトしました。")])
    delete_cookie(request, response, sessions.COOKIE, path=COOKIE_PATH, samesite=COOKIE_SAMESITE)
    return response


@router.get("")
def home(request: Request, ctx: StaffContext, staff: CurrentStaff) -> Response:
    """業務メニュー, with what needs an admin's attention for admins."""
    context: dict[str, object] = {"nav": "home"}
    if staff.is_admin:
        state = web_state(request)
        _, context["open_conflicts"] = list_conflicts(ctx, QueueFilter(status="open"))
        nodes = node_dashboard(ctx, node_silence(state))
        context["silent_nodes"] = [n for n in nodes if n.silent]
    return render(request, "staff/home.html", context)
