"""Small HTTP helpers shared by the web tests (TestClient over the ASGI app), and a database that
aborts chosen statements the way PostgreSQL does when a concurrent transaction is in the way."""

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg.errors
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, event

_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S)
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The form token a page of `path` carries (the page also sets the browser's CSRF cookie)."""
    response = client.get(path)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_forms(html: str) -> list[str]:
    """The bodies of the page's POST forms."""
    return _POST_FORM.findall(html)


def sign_in(client: TestClient, card: str, password: str) -> None:
    """Sign in through the pages; the client keeps the session cookie."""
    response = client.post(
        "/login",
        data={"card_number": card, "password": password, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account"


def api_token(client: TestClient, card: str, password: str) -> dict[str, str]:
    """Authorization headers for a fresh API token session."""
    response = client.post("/api/v1/session", json={"card_number": card, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def submit(client: TestClient, page: str, action: str, typed: dict[str, str] | None = None) -> Response:
    """Open `page`, fill its form posting to `action` as a browser would (every field the page put in
    it, the CSRF token included, plus what the user `typed`) and send it, following the redirect."""
    match = re.search(rf'<form\b[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', client.get(page).text, re.S)
    assert match, f"no form posting to {action} on {page}"
    data: dict[str, list[str]] = {}
    for field in _INPUT.findall(match.group(1)):
        attributes = dict(_ATTRIBUTE.findall(field))
        if "name" in attributes and "value" in attributes:
            data.setdefault(attributes["name"], []).append(html.unescape(attributes["value"]))
    for name, value in (typed or {}).items():
        data[name] = [value]
    return client.post(action, data=data)


def _driver_error(engine: Engine, sqlstate: str) -> type[Exception]:
    """The error class the engine's driver raises for `sqlstate`: psycopg's own (DeadlockDetected for
    40P01, UniqueViolation for 23505); on SQLite, which has no SQLSTATEs, one of sqlite3's carrying it."""
    if engine.dialect.name == "postgresql":
        return psycopg.errors.lookup(sqlstate)
    return type("TransientError", (engine.dialect.loaded_dbapi.OperationalError,), {"sqlstate": sqlstate})


@contextmanager
def database_aborts(engine: Engine, statement: str, times: int, sqlstate: str = "40P01") -> Iterator[list[str]]:
    """The next `times` statements on `engine` that begin with `statement` (e.g. "INSERT INTO hold")
    fail as PostgreSQL fails a transaction that lost to a concurrent one (40P01 deadlock by default):
    the driver's error is raised where the driver would raise it, so SQLAlchemy wraps it as usual and
    the transaction rolls back. Yields the statements refused, in order."""
    refused: list[str] = []
    error = _driver_error(engine, sqlstate)

    def refuse(_conn: Any, _cursor: Any, sql: str, _params: Any, _context: Any, _many: bool) -> None:
        if len(refused) < times and sql.lstrip().upper().startswith(statement.upper()):
            refused.append(sql)
            raise error(f"aborted for a concurrent transaction ({sqlstate})")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield refused
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
