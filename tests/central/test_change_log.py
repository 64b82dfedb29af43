"""The change log vans pull from (B6): one row per scope a transaction changed, listing its keys."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from central.db import make_engine, migrate
from central.models import ChangeLogEntry
from central.services.changelog import pack_keys, unpack_keys
from central.services.context import ServiceContext, transaction
from central.services.patrons import Registration, register_patron
from tests.central.migrating import downgrade
from tests.conftest import PostgresServer


def test_one_transaction_logs_one_row_per_scope_listing_every_key_it_changed(
    session: Session, ctx: Callable[..., ServiceContext]
) -> None:
    with transaction(session):
        patrons = [
            register_patron(ctx(), Registration(f"2000000{n}", f"利用者{n}", "りようしゃ", date(1980, 1, n)))
            for n in range(1, 4)
        ]
    entries = session.exec(select(ChangeLogEntry)).all()
    assert [(entry.scope, unpack_keys(entry.keys)) for entry in entries] == [
        ("roster", sorted(patron.id for patron in patrons if patron.id is not None))
    ]


def test_separate_transactions_log_separate_rows(session: Session, ctx: Callable[..., ServiceContext]) -> None:
    first = register_patron(ctx(), Registration("20000011", "一番", "いちばん", date(1980, 2, 1)))
    second = register_patron(ctx(), Registration("20000012", "二番", "にばん", date(1980, 2, 2)))
    entries = session.exec(select(ChangeLogEntry).order_by(ChangeLogEntry.id)).all()  # type: ignore[arg-type]
    assert [unpack_keys(entry.keys) for entry in entries] == [[first.id], [second.id]]


def test_keys_are_stored_ascending_and_read_back_as_numbers() -> None:
    assert pack_keys([12, 3, 100]) == "3,12,100"
    assert unpack_keys(pack_keys([12, 3, 100])) == [3, 12, 100]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database("change_log_migration")


def test_migration_0012_keeps_every_cursor_and_key_and_downgrades_to_one_row_per_key(empty_url: str) -> None:
    engine = make_engine(empty_url)
    migrate(engine, "0011")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO change_log (scope, key) VALUES ('roster', '5'), ('items', '7')"))
    migrate(engine, "head")
    assert _rows(engine, "keys") == [(1, "roster", "5"), (2, "items", "7")]  # a van's cursor at 1 still means 1
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO change_log (scope, keys) VALUES ('roster', '8,9')"))
    downgrade(engine, "0011")
    # The packed row is written again as one row per key, above every id a van may hold.
    assert _rows(engine, "key") == [(1, "roster", "5"), (2, "items", "7"), (4, "roster", "8"), (5, "roster", "9")]
    engine.dispose()


def _rows(engine: Engine, column: str) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        found = connection.execute(text(f"SELECT id, scope, {column} FROM change_log ORDER BY id"))
        return [(row[0], row[1], row[2]) for row in found]
