"""Storage faults: a full disk, a read-only database, a database locked by another process.

Each action is refused with a clear error and leaves nothing half-written: the outbox keeps a
gap-free sequence and the local view matches it. Faults are injected for real where the machine
allows (an immutable file, a second process holding the write lock); the full disk is SQLite's own
SQLITE_FULL, reached by capping the database's page count.
"""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bookmobile.desk.lending import lend
from bookmobile.desk.registration import register_patron
from bookmobile.errors import DatabaseLocked, StorageFull, StorageReadOnly
from bookmobile.node import Node, open_node
from tests.bookmobile.builders import TARO, FixedClock, make_settings, ready_node
from tests.bookmobile.builders import new_patron_form as form


def assert_consistent(node: Node, lends_done: int) -> None:
    seqs = [s for (s,) in node.conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    lends = node.conn.execute("SELECT COUNT(*) FROM outbox WHERE type = 'lend'").fetchone()[0]
    assert lends == lends_done
    assert node.conn.execute("SELECT COUNT(*) FROM local_item WHERE status = 'on_loan'").fetchone()[0] == lends_done
    assert node.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_disk_full_refuses_the_action_and_keeps_everything_before_it(node: Node) -> None:
    pages = node.conn.execute("PRAGMA page_count").fetchone()[0]
    node.conn.execute(f"PRAGMA max_page_count = {pages}")
    done = 0
    with pytest.raises(StorageFull) as caught:
        for n in range(1, 31):
            lend(node, TARO if n <= 10 else "1000000002", f"C{n:04d}")
            done += 1
    assert "ディスク" in caught.value.message("ja")
    assert_consistent(node, done)
    node.conn.execute(f"PRAGMA max_page_count = {pages * 100}")
    lend(node, "1000000002", "B0001")  # space freed: the van carries on
    assert_consistent(node, done + 1)


def test_disk_full_during_registration_leaves_no_half_registration(node: Node) -> None:
    pages = node.conn.execute("PRAGMA page_count").fetchone()[0]
    node.conn.execute(f"PRAGMA max_page_count = {pages}")
    registered = 0
    with pytest.raises(StorageFull):
        for _ in range(200):
            register_patron(node, form())
            registered += 1
    ops = node.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    cards = node.conn.execute("SELECT COUNT(*) FROM card_allocation").fetchone()[0]
    patrons = node.conn.execute("SELECT COUNT(*) FROM local_patron").fetchone()[0]
    assert ops == cards == patrons == registered


def test_read_only_database_refuses_the_action(node: Node) -> None:
    node.conn.execute("PRAGMA query_only = 1")
    with pytest.raises(StorageReadOnly) as caught:
        lend(node, TARO, "B0001")
    assert "読み取り専用" in caught.value.message("ja")
    node.conn.execute("PRAGMA query_only = 0")
    assert_consistent(node, 0)


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Make `path` read-only even for root (chattr +i); skip where the filesystem cannot."""
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_database_file_that_cannot_be_written_refuses_the_action(tmp_path: Path) -> None:
    ready_node(tmp_path).close()
    with immutable(tmp_path / "bookmobile.db"), open_node(make_settings(tmp_path), FixedClock()) as node:
        with pytest.raises(StorageReadOnly):
            lend(node, TARO, "B0001")
        assert node.conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
"""


@contextmanager
def locked_by_another_process(database: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_database_locked_by_another_process_refuses_the_action(node: Node) -> None:
    with locked_by_another_process(node.settings.database_path):
        with pytest.raises(DatabaseLocked) as caught:
            lend(node, TARO, "B0001")
        assert "使用中" in caught.value.message("ja")
    lend(node, TARO, "B0001")  # the other process is gone: works again
    assert_consistent(node, 1)
