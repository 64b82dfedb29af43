"""Scratch folders and databases for benchmarks: a SQLite file, or a fresh PostgreSQL database when
CENTRAL_DATABASE_URL names a PostgreSQL server (so `scripts/bench ingest` measures either)."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def target() -> str:
    """ "postgresql" when CENTRAL_DATABASE_URL names a PostgreSQL server, else "sqlite"."""
    return "postgresql" if os.environ.get("CENTRAL_DATABASE_URL", "").startswith("postgresql") else "sqlite"


@contextmanager
def scratch_folder(name: str) -> Iterator[Path]:
    """A new folder under the project's var/ (its own disk, never a tmpfs), removed afterwards."""
    scratch = Path(__file__).resolve().parents[1] / "var"
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-", dir=scratch) as folder:
        yield Path(folder)


@contextmanager
def scratch_database(folder: Path, name: str) -> Iterator[str]:
    """The URL of an empty database called `name`, dropped afterwards (a file under `folder` on SQLite)."""
    if target() == "sqlite":
        (folder / name).mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / name / 'central.db'}"
        return
    server = make_url(os.environ["CENTRAL_DATABASE_URL"])
    database = f"bench_{name}_{os.getpid()}"
    admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield server.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
