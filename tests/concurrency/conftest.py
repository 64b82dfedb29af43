"""Fixtures for the concurrency tests: a fresh, migrated PostgreSQL database per test.

These tests are about what only a server database lets happen (writers overlapping in time), so
they run on PostgreSQL alone and are skipped, with the reason, when no server answers.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from central.db import make_engine, migrate
from tests.conftest import PostgresServer


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    url = postgres_server.create_database("concurrency")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
