"""Turning a page's values into HTML, and redirecting with a message: the only places the pages
build responses, so every page gets the header's sign-in state, the CSRF token and its flash
messages the same way."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, RedirectResponse

from central.web.security import csrf, flash
from central.web.security.flash import Flash
from central.web.state import web_state

TEMPLATES = Path(__file__).parent / "templates"

AVAILABILITY_LABELS = {
    "available": "在架",
    "on_loan": "貸出中",
    "on_hold_shelf": "予約取置中",
    "in_transit": "回送中",
    "missing": "所在不明",
}
HOLD_STATUS_LABELS = {"queued": "予約待ち", "in_transit": "回送中", "ready": "受取可能"}
CONTACT_LABELS = {"email": "メール", "phone": "電話"}


def templates(library_name: str) -> Jinja2Templates:
    """The template set, with the labels every page uses as globals."""
    env = Jinja2Templates(directory=TEMPLATES)
    env.env.globals.update(
        library_name=library_name,
        copy_status=AVAILABILITY_LABELS,
        hold_status=HOLD_STATUS_LABELS,
        contact_label=CONTACT_LABELS,
    )
    env.env.filters["jdate"] = lambda d: f"{d.year}年{d.month}月{d.day}日" if d else ""
    return env


@dataclass(frozen=True)
class HeaderUser:
    """The header's view of who is signed in (plain values: safe to render after the DB session closed)."""

    name: str
    temporary_password: bool


def _header_user(request: Request) -> HeaderUser | None:
    name = getattr(request.state, "viewer_name", None)
    if not name:
        return None
    return HeaderUser(name=name, temporary_password=bool(getattr(request.state, "viewer_temporary", False)))


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """Render a page; pending flash messages are shown once and then dropped."""
    messages = flash.read(request)
    values = {
        "viewer": _header_user(request),
        "viewer_known": hasattr(request.state, "viewer_name"),
        "csrf_token": csrf.form_token(request),
        "csrf_field": csrf.FIELD,
        "flashes": messages,
        **(context or {}),
    }
    response = web_state(request).templates.TemplateResponse(request, name, values, status_code=status)
    flash.clear(request, response)
    csrf.persist(request, response)
    return response


def redirect(request: Request, url: str, messages: list[Flash] | None = None) -> RedirectResponse:
    """303 See Other to a page of this site (post/redirect/get), with messages for that page."""
    response = RedirectResponse(local_path(url, "/"), status_code=303)
    if messages:
        flash.push(request, response, messages)
    csrf.persist(request, response)
    return response


def local_path(url: str | None, default: str) -> str:
    """`url` if it stays on this site (a path, not //host or a scheme), else `default`.

    Used for every "next" and "back" link that arrives in a query string, so none can send a
    patron off to another site after signing in.
    """
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return default
    return url
