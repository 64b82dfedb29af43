"""CSRF protection for every form: a signed double-submit token.

The browser gets a random value in an HttpOnly cookie; each form carries HMAC(secret, value).
Another site can make the browser send the cookie, but can neither read it nor compute the token.
The value is renewed at sign-in and logout, so a token seen before signing in is useless after.
API clients that use the browser's cookie session send the token in the X-CSRF-Token header;
bearer-token clients need none (no browser sends their credential on its own).
"""

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from central.errors import CentralError
from central.web.security.cookies import set_cookie
from central.web.state import web_state

COOKIE = "central_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NEW = "csrf_new_value"


class CsrfRejected(CentralError):
    """A state-changing request without the right token (a forged or stale form)."""

    status = 403


def _token(secret: bytes, value: str) -> str:
    return hmac.new(secret, b"csrf:" + value.encode("utf-8"), hashlib.sha256).hexdigest()


def _current_value(request: Request) -> str | None:
    renewed = getattr(request.state, _NEW, None)
    return renewed or request.cookies.get(COOKIE)


def form_token(request: Request) -> str:
    """The token for this page's forms; creates the browser's cookie value on first use."""
    value = _current_value(request)
    if not value:
        value = secrets.token_urlsafe(32)
        setattr(request.state, _NEW, value)
    return _token(web_state(request).secret, value)


def renew(request: Request) -> None:
    """A fresh value (at sign-in and logout), sent with this response by `persist`."""
    setattr(request.state, _NEW, secrets.token_urlsafe(32))


def persist(request: Request, response: Response) -> None:
    """Send the cookie when this request created or renewed the value."""
    value = getattr(request.state, _NEW, None)
    if value:
        set_cookie(request, response, COOKIE, value, max_age=None)


def check(request: Request, submitted: str | None) -> None:
    """Refuse unless `submitted` is the token for the browser's cookie."""
    value = request.cookies.get(COOKIE)
    expected = _token(web_state(request).secret, value) if value else ""
    if not value or not submitted or not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise CsrfRejected(
            "csrf_rejected",
            "フォームの有効期限が切れたか、正しくない送信です。お手数ですが、ページを開き直してからもう一度お試しください。",
            "Missing or invalid CSRF token; reload the page and try again.",
        )


async def verify_form(request: Request) -> None:
    """Router-wide dependency of the pages: every non-GET request must carry the form token."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    submitted = form.get(FIELD)
    check(request, submitted if isinstance(submitted, str) else None)
