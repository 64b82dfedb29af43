"""Signing in and out over the API (token sessions; same throttle and rules as the pages)."""

from datetime import datetime

from fastapi import APIRouter, Request, Response

from central.services.patron_view import patron_summary
from central.web.api.schemas import SignInRequest, SignInResponse
from central.web.deps import ClientAddress, GuestContextDep, SessionDep, SignedInDep
from central.web.security import sessions
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


@router.delete("/session", status_code=204)
def delete_session(session: SessionDep, signed_in: SignedInDep) -> Response:
    """Sign out (R17): the token stops working at once."""
    sessions.end(session, signed_in)
    return Response(status_code=204)
