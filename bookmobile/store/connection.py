"""Opening the node's database durably, and turning SQLite failures into staff-readable errors.

Durability (B2) rests on three settings: WAL journaling (a crash mid-write leaves the last commit
intact), `synchronous=FULL` (the WAL is fsynced at every commit, so "done" survives a power cut,
not only a crash), and `BEGIN IMMEDIATE` for every write (the write lock is taken up front, so a
second process waits or is refused cleanly instead of failing half-way through an action).
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bookmobile.errors import (
    BookmobileError,
    DatabaseLocked,
    NotInitialised,
    StorageFailed,
    StorageFull,
    StorageReadOnly,
)

_SQLITE_READONLY = 8
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14


def translate(exc: sqlite3.Error) -> BookmobileError:
    """The staff-facing error for a SQLite failure (by primary result code, not message text)."""
    primary = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if primary == _SQLITE_FULL:
        return StorageFull()
    if primary == _SQLITE_READONLY:
        return StorageReadOnly()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseLocked()
    return StorageFailed(detail=f"{getattr(exc, 'sqlite_errorname', type(exc).__name__)}: {exc}")


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data folder readable by its owner only: the database holds patrons' names."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageFailed(detail=f"{data_dir}: {exc.strerror}") from exc


def connect(path: Path, busy_timeout_ms: int, *, create: bool = False) -> sqlite3.Connection:
    """Open the database with the durability settings; refuse a missing file unless `create`."""
    if not create and not path.exists():
        raise NotInitialised(path=str(path))
    old_umask = os.umask(0o077)  # the database, its WAL and its shared-memory file: owner only
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000, check_same_thread=False)
        _configure(conn, busy_timeout_ms)
    except sqlite3.Error as exc:
        raise translate(exc) from exc
    finally:
        os.umask(old_umask)
    return conn


def _configure(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One action, all or nothing: committed (and fsynced) on exit, rolled back on any error."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise translate(exc) from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise translate(exc) from exc
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite may already have rolled back on SQLITE_FULL)."""
    if conn.in_transaction:
        # If even ROLLBACK fails the connection is unusable; its open transaction dies with it, uncommitted.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@contextmanager
def reading(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Reads that turn SQLite failures (e.g. a locked or unreadable file) into staff-readable errors."""
    try:
        yield conn
    except sqlite3.Error as exc:
        raise translate(exc) from exc
