"""The dependencies every route shares, as `Annotated` aliases: the database session, the service
context, and who is signed in.

A request is signed in by a bearer token (apps and in-house terminals) or by the session cookie
(browsers). A cookie-signed API write must also carry the CSRF header, since a browser would send
the cookie to a forged request on its own.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from sqlmodel import Session

from central.db import new_session
from central.errors import CentralError
from central.models import Patron
from central.services.context import ServiceContext
from central.web.security import csrf, sessions
from central.web.security.sessions import SignedIn
from central.web.state import web_state

API_PREFIX = "/api/"
# Ids arrive in URLs and forms; bounding them keeps absurd values out of the database driver.
MAX_ID = 2_147_483_647
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


class NotSignedIn(CentralError):
    """The page or API call needs a signed-in patron."""

    status = 401


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _database(request: Request) -> Iterator[Session]:
    with new_session(web_state(request).engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(_database)]


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def resolve_viewer(request: Request, session: SessionDep) -> SignedIn | None:
    """Who is signed in, if anyone; also remembered on the request for the page header."""
    token = _bearer(request)
    from_cookie = token is None
    if from_cookie:
        token = request.cookies.get(sessions.COOKIE)
    viewer = sessions.find(session, token, web_state(request).clock()) if token else None
    if viewer is not None and from_cookie and is_api(request) and request.method not in csrf.SAFE_METHODS:
        csrf.check(request, request.headers.get(csrf.HEADER))
    request.state.viewer_name = viewer.patron.name if viewer else ""
    request.state.viewer_temporary = bool(viewer and viewer.temporary_password)
    return viewer


Viewer = Annotated[SignedIn | None, Depends(resolve_viewer)]


def _signed_in(viewer: Viewer) -> SignedIn:
    if viewer is None:
        raise NotSignedIn(
            "not_signed_in",
            "ログインしてください。",
            "Sign in first.",
        )
    return viewer


SignedInDep = Annotated[SignedIn, Depends(_signed_in)]


def _current_patron(signed_in: SignedInDep) -> Patron:
    return signed_in.patron


CurrentPatron = Annotated[Patron, Depends(_current_patron)]


def _context_for(request: Request, session: Session, actor: str) -> ServiceContext:
    state = web_state(request)
    return ServiceContext(session, state.settings.policy(), actor, None, state.clock())


def _context(request: Request, session: SessionDep, viewer: Viewer) -> ServiceContext:
    """Who acts (the patron, or a guest searching), from nowhere in particular (the internet), now."""
    return _context_for(request, session, f"patron:{viewer.patron.id}" if viewer else "web:guest")


def _guest_context(request: Request, session: SessionDep) -> ServiceContext:
    """For signing in: whatever session the client may already hold plays no part."""
    return _context_for(request, session, "web:guest")


ContextDep = Annotated[ServiceContext, Depends(_context)]
GuestContextDep = Annotated[ServiceContext, Depends(_guest_context)]


def client_address(request: Request) -> str:
    """The client's address as the server sees it (with --proxy-headers, the forwarded one)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
