"""Signing in and out over the API (token sessions; same throttle and rules as the pages)."""

from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from central.retry import retrying
from central.services.patron_view import patron_summary
from central.web.api.schemas import SessionInfo, SignInRequest, SignInResponse
from central.web.deps import ClientAddress, ContextDep, GuestContextDep, SessionDep, SignedInDep
from central.web.security import csrf, sessions
from central.web.security.credentials import sign_in
from central.web.state import web_state

router = APIRouter(tags=["session"])


@router.post("/session", status_code=201)
def create_session(
    request: Request, body: SignInRequest, ctx: GuestContextDep, address: ClientAddress
) -> SignInResponse:
    """Sign in with card number and password; returns a bearer token. Throttled per card and address."""
    state = web_state(request)
    patron, token = sign_in(ctx, state, body.card_number, body.password, address, sessions.Kind.TOKEN)
    expires: datetime = ctx.now + state.session_lifetime
    return SignInResponse(token=token, expires_at=expires, patron=patron_summary(ctx, patron))


@router.get("/session", response_model=SessionInfo)
def read_session(request: Request, ctx: ContextDep, signed_in: SignedInDep) -> JSONResponse:
    """Who is signed in. A browser using the pages' cookie session gets the CSRF token its API
    writes must carry (other sites cannot read this answer: no CORS)."""
    token = csrf.form_token(request) if signed_in.kind == sessions.Kind.COOKIE else None
    info = SessionInfo(patron=patron_summary(ctx, signed_in.patron), kind=signed_in.kind, csrf_token=token)
    response = JSONResponse(info.model_dump(mode="json"))
    csrf.persist(request, response)
    return response


@router.delete("/session", status_code=204)
def delete_session(session: SessionDep, signed_in: SignedInDep) -> Response:
    """Sign out (R17): the token stops working at once."""
    retrying(session, lambda: sessions.end(session, signed_in))
    return Response(status_code=204)
