"""Engines, sessions and migrations.

SQLite is the embedded default. Two things make it behave like a server database here:
WAL (readers never block the writer) and `BEGIN IMMEDIATE` for every transaction, so two
concurrent writers queue on the lock up front instead of failing at commit with "database is
locked" - which is what R13's strict hold places need.

PostgreSQL (`postgresql+psycopg://...`) runs many writers at once, at READ COMMITTED, set here
rather than left to the server's default: the services serialise what must be serialised with row
locks (`SELECT ... FOR UPDATE` on the title for hold places, on the node for a batch), and at READ
COMMITTED every statement after such a lock sees what the previous holder committed. A stricter
level would turn those waits into serialization failures. What can still fail only because of a
concurrent transaction (a deadlock, a unique key taken a moment earlier) is run again by
`central.retry`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(database_url: str) -> Engine:
    """An engine for `database_url`, with SQLite tuned for durability and concurrent writers."""
    if database_url.startswith("postgresql"):
        return create_engine(database_url, pool_pre_ping=True, isolation_level="READ COMMITTED")
    if not database_url.startswith("sqlite"):
        return create_engine(database_url, pool_pre_ping=True)
    _ensure_sqlite_folder(database_url)
    engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's events below (pysqlite's own is too lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _ensure_sqlite_folder(database_url: str) -> None:
    path = database_url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def new_session(engine: Engine) -> Session:
    """A session whose objects stay readable after commit (services return them to callers).

    Writes happen only inside `central.services.context.transaction`, which services open.
    """
    return Session(engine, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (the only way tables are created)."""
    with schema_change(engine) as config:
        command.upgrade(config, revision)


@contextmanager
def schema_change(engine: Engine) -> Iterator[Config]:
    """Alembic's configuration on one connection, in one transaction, committed on success.

    SQLite cannot alter most of a table in place: Alembic builds the new table, copies the rows and
    drops the old one. With foreign keys enforced, that drop fails as soon as another table's row
    points at the old one (a conflict at its operation). So on SQLite the enforcement is off for
    the migration - it can only be switched outside a transaction - and the whole database is
    checked (`PRAGMA foreign_key_check`) before the commit instead: a migration that breaks a
    reference rolls back (references broken before it began are not its doing, and are left to
    `PRAGMA foreign_key_check` to report).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if not sqlite:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config
            return
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                already = set(map(tuple, connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()))
                yield config
                broken = set(map(tuple, connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall())) - already
                if broken:
                    raise RuntimeError(f"the migration left references to missing rows: {sorted(broken)[:5]}")
        finally:
            try:
                driver.execute("PRAGMA foreign_keys=ON")
            except Exception:
                connection.invalidate()  # never back to the pool without enforcement
                raise
