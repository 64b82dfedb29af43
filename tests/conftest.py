"""Shared by every test folder: the PostgreSQL server the PostgreSQL runs use, if one answers.

TEST_POSTGRES_URL names it (default: the local server's `test` database); an empty value turns the
PostgreSQL runs off. The server is probed once, with a short timeout: when it does not answer,
every PostgreSQL case (marked `postgresql`) is deselected, the report's header says why, and the
SQLite cases run as always. A case marked `sqlite_only` never runs on PostgreSQL.

Each test process works in databases of its own, named after its pid, created beside the probed
one and dropped at the end: developers running the suite at the same time never share one. Those a
killed run left behind on a local server are dropped by the next run.
"""

import os
import secrets
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PROBE_TIMEOUT_S = 2
PREFIX = "central_test_"


def _admin_engine(url: str) -> Engine:
    return create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": PROBE_TIMEOUT_S}
    )


@cache
def postgres_url() -> str | None:
    """TEST_POSTGRES_URL if a server answers there now, else None (asked once per test process)."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if not url:
        return None
    try:
        engine = _admin_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except (SQLAlchemyError, ImportError):
        return None
    return url


def require_postgres() -> str:
    """The server's URL, or skip the calling test with the reason."""
    url = postgres_url()
    if url is None:
        pytest.skip(f"no PostgreSQL server answers at {_wanted()}")
    return url


class PostgresServer:
    """Creates scratch databases on the test server and drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = _admin_engine(url)
        self.prefix = f"{PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
        self.created: list[str] = []

    def create_database(self, label: str, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`); returns its URL."""
        name = f"{self.prefix}_{len(self.created)}_{label}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def disconnect(self, database_url: str) -> None:
        """End every other connection to that database (a test's stray threads or servers)."""
        name = make_url(database_url).database
        with self.admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )

    def drop_orphans(self) -> None:
        """Drop the databases of test processes that no longer run (a local server only: pids are local)."""
        if self.url.host not in ("127.0.0.1", "localhost", "::1", None):
            return
        with self.admin.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"), {"prefix": PREFIX}
            ).scalars()
            for name in list(names):
                pid = name.removeprefix(PREFIX).split("_", 1)[0]
                if pid.isdigit() and not _running(int(pid)):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in reversed(self.created):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process, alive
    return True


def _wanted() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL) or "(TEST_POSTGRES_URL is empty)"


def pytest_report_header(config: pytest.Config) -> str:
    found = postgres_url()
    if found:
        return f"databases: SQLite and PostgreSQL at {found}"
    return f"databases: SQLite only (no PostgreSQL at {_wanted()}: its cases are deselected)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unreachable = postgres_url() is None
    dropped = [
        item
        for item in items
        if item.get_closest_marker("postgresql") and (unreachable or item.get_closest_marker("sqlite_only"))
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(require_postgres())
    server.drop_orphans()
    yield server
    server.drop_all()


CHROMIUM = Path("/usr/bin/chromium")
# The network here is closed: background networking would only produce refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    One for the whole run: Playwright's sync API cannot start a second time while one is alive.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
