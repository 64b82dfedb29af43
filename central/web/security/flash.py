"""One-time messages carried across a redirect (post/redirect/get) in a signed cookie.

Signed so another site cannot plant text on the library's pages. `target` names the record the
message is about ("loan-12"), so a refusal is shown next to the loan it concerns (R9).
"""

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass

from fastapi import Request
from starlette.responses import Response

from central.web.security.cookies import delete_cookie, set_cookie
from central.web.state import web_state

COOKIE = "central_flash"


@dataclass(frozen=True)
class Flash:
    """A message for the next page: "error" or "info", optionally about one record."""

    text: str
    level: str = "info"
    target: str = ""


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, b"flash:" + payload, hashlib.sha256).hexdigest()


def push(request: Request, response: Response, messages: list[Flash]) -> None:
    payload = base64.urlsafe_b64encode(json.dumps([asdict(m) for m in messages]).encode("utf-8"))
    value = payload.decode("ascii") + "." + _sign(web_state(request).secret, payload)
    set_cookie(request, response, COOKIE, value, max_age=300)


def read(request: Request) -> list[Flash]:
    """The messages waiting for this page; forged or garbled cookies are ignored."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    payload, _, signature = raw.encode("ascii", "replace").partition(b".")
    if not hmac.compare_digest(signature, _sign(web_state(request).secret, payload).encode()):
        return []
    try:
        return [Flash(**item) for item in json.loads(base64.urlsafe_b64decode(payload))]
    except (ValueError, TypeError):
        return []


def clear(request: Request, response: Response) -> None:
    """Drop the messages once a page has shown them."""
    if request.cookies.get(COOKIE):
        delete_cookie(request, response, COOKIE)
