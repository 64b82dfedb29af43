"""Fixtures for the patrons' web service: a migrated SQLite file with the small library of
`library.py` (built once, copied per test), the app, an HTTP client, and - for browser tests - a
real Uvicorn server on a loopback port and headless Chromium."""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize

from central.db import make_engine, migrate, new_session
from central.settings import Settings
from central.web.app import create_app
from tests.web import library
from tests.web.library import Facts

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SECRET = "test-secret-" + "x" * 40
PC = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)


@dataclass(frozen=True)
class Built:
    path: Path
    facts: Facts


@pytest.fixture(scope="session")
def built_library(tmp_path_factory: pytest.TempPathFactory) -> Built:
    path = tmp_path_factory.mktemp("web-library") / "central.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    engine = make_engine(settings.database_url)
    migrate(engine)
    with new_session(engine) as session:
        facts = library.build(session, settings)
    engine.dispose()
    return Built(path, facts)


@pytest.fixture
def facts(built_library: Built) -> Facts:
    return built_library.facts


@pytest.fixture
def settings(built_library: Built, tmp_path: Path) -> Settings:
    path = tmp_path / "central.db"
    shutil.copy(built_library.path, path)
    return Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path, secret_key=SECRET)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, require_secret=True)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app behind a real Uvicorn on a free loopback port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh browser profile (empty cart, no cookies) at PC width."""
    context = browser.new_context(base_url=live_server, locale="ja-JP", viewport=PC)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Save the page at PC width and at phone width under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}-pc.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    if size is not None:
        page.set_viewport_size(size)
