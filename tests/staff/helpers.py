"""Small helpers and constants shared by the staff tests."""

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.db import new_session
from central.models import AuditEntry, Conflict, SyncOperation
from central.services.context import transaction

ADMIN_PASSWORD = "kanri-2026-secret"
DESK_PASSWORD = "madoguchi-2026"


def operation_body(engine: Engine, operation_id: int | None) -> str:
    """A van operation's body as stored now ("" once the nightly job forgot it)."""
    with new_session(engine) as session:
        operation = session.get(SyncOperation, operation_id)
        assert operation is not None
        return operation.body


def conflicts_of(session: Session, kind: str) -> list[Conflict]:
    """The conflicts of one kind, as stored now."""
    with transaction(session):
        return list(session.exec(select(Conflict).where(Conflict.kind == kind).order_by(col(Conflict.id))))


def audit_rows(session: Session, action: str) -> list[AuditEntry]:
    with transaction(session):
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))))


_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_token(client: TestClient, path: str) -> str:
    """The form token on `path` (opening the page also sets the browser's CSRF cookie)."""
    match = _TOKEN.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def staff_sign_in(client: TestClient, username: str, password: str) -> None:
    response = client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client, "/staff/login")},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff", response.text


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    """Submit a form of `page` to `action` the way a browser would (token from the page), following
    the redirect back so the message shows."""
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)})


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app behind a real Uvicorn on a free loopback port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
