"""The local store: durability settings, schema versions, the append-only outbox, snapshot loads (B2, B6)."""

import json
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from bookmobile.desk.lending import lend
from bookmobile.desk.registration import register_patron
from bookmobile.desk.returns import take_back
from bookmobile.desk.setup import load_snapshot, read_snapshot_file, set_stop
from bookmobile.errors import AlreadyInitialised, NotInitialised, SchemaTooNew, SnapshotForOtherNode, SnapshotInvalid
from bookmobile.node import Node, init_node, open_node
from bookmobile.store import outbox
from bookmobile.store.connection import write_transaction
from bookmobile.store.local_view import find_item, find_patron
from bookmobile.store.schema import SCHEMA_VERSION
from tests.bookmobile.builders import HANAKO, NODE_ID, NOON, TARO, SnapshotSpec, make_settings, make_snapshot
from tests.bookmobile.builders import new_patron_form as form


def test_b2_wal_and_full_synchronous_commits(node: Node) -> None:
    assert node.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert node.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_database_and_folder_are_readable_by_the_owner_only(node: Node) -> None:
    lend(node, TARO, "B0001")
    assert stat.S_IMODE(node.settings.data_dir.stat().st_mode) == 0o700
    for path in node.settings.data_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_schema_version_is_recorded_and_reopening_migrates_nothing(tmp_path: Path) -> None:
    init_node(make_settings(tmp_path), NODE_ID).close()
    with open_node(make_settings(tmp_path)) as node:
        assert node.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert node.node_id == NODE_ID and node.epoch == 1


def test_a_database_newer_than_the_program_is_refused(tmp_path: Path) -> None:
    init_node(make_settings(tmp_path), NODE_ID).close()
    raw = sqlite3.connect(tmp_path / "bookmobile.db")
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(SchemaTooNew):
        open_node(make_settings(tmp_path))


def test_a_re_enrolled_node_stamps_its_new_epoch(tmp_path: Path) -> None:
    with init_node(make_settings(tmp_path), NODE_ID, epoch=3) as node:
        load_snapshot(node, make_snapshot())
        set_stop(node, "S01")
        lend(node, TARO, "B0001")
        assert json.loads(node.conn.execute("SELECT body FROM outbox").fetchone()[0])["epoch"] == 3


def test_opening_an_uninitialised_node_and_initialising_twice(tmp_path: Path) -> None:
    with pytest.raises(NotInitialised):
        open_node(make_settings(tmp_path))
    init_node(make_settings(tmp_path), NODE_ID).close()
    with pytest.raises(AlreadyInitialised):
        init_node(make_settings(tmp_path), "van-2")


def test_b2_outbox_refuses_delete_and_edit(node: Node) -> None:
    lend(node, TARO, "B0001")
    for statement in ("DELETE FROM outbox", "UPDATE outbox SET body = '{}'", "UPDATE outbox SET seq = 5"):
        with pytest.raises(sqlite3.DatabaseError, match="outbox|recorded operation"):
            node.conn.execute(statement)


def test_b2_outbox_refuses_a_gap_in_the_sequence(node: Node) -> None:
    lend(node, TARO, "B0001")
    with pytest.raises(sqlite3.DatabaseError, match="gap-free"):
        node.conn.execute(
            "INSERT INTO outbox (seq, op_id, epoch, type, body, sha256, recorded_at)"
            " VALUES (3, 'x', 1, 'lend', '', '', '')"
        )


def test_b3_mark_sent_once_and_pending_in_order(node: Node) -> None:
    for barcode in ("B0001", "B0002", "C0001"):
        lend(node, TARO, barcode)
    pending = outbox.pending(node.conn)
    assert [op.seq for op in pending] == [1, 2, 3]
    with write_transaction(node.conn):
        assert outbox.mark_sent(node.conn, [1, 2], NOON) == 2
    with write_transaction(node.conn):
        assert outbox.mark_sent(node.conn, [1, 2], NOON + timedelta(hours=1)) == 0  # already acknowledged
    assert [op.seq for op in outbox.pending(node.conn)] == [3]
    with pytest.raises(sqlite3.DatabaseError, match="sent once"):
        node.conn.execute("UPDATE outbox SET sent_at = 'later' WHERE seq = 1")
    counts = outbox.counts(node.conn)
    assert (counts.total, counts.pending) == (3, 1)


def test_b6_new_snapshot_keeps_local_changes_it_does_not_reflect(node: Node) -> None:
    lend(node, TARO, "B0001")
    card = register_patron(node, form()).card_number
    load_snapshot(node, make_snapshot())
    item = find_item(node.conn, "B0001")
    assert item is not None and item.borrower_card == TARO
    patron = find_patron(node.conn, TARO)
    assert patron is not None and patron.open_loans == 1
    assert find_patron(node.conn, card) is not None


def test_b6_new_snapshot_drops_local_changes_central_has_applied(node: Node) -> None:
    lend(node, TARO, "B0001")  # seq 1
    take_back(node, "B0005")  # seq 2
    load_snapshot(node, make_snapshot(SnapshotSpec(node_applied_seq=1)))
    # seq 1 is in central's state now, but this snapshot (built by hand) does not show it: the van follows central.
    item = find_item(node.conn, "B0001")
    assert item is not None and item.borrower_card is None
    returned = find_item(node.conn, "B0005")
    assert returned is not None and returned.borrower_card is None
    patron = find_patron(node.conn, HANAKO)
    assert patron is not None and patron.open_loans == 0  # roster says 1, the kept return says -1


def test_snapshot_for_another_node_is_refused(node: Node) -> None:
    with pytest.raises(SnapshotForOtherNode):
        load_snapshot(node, make_snapshot(SnapshotSpec(node_id="van-2")))


@pytest.mark.parametrize("content", [b"{not json", b'{"node_id": "van-1"}', b"\xff\xfe"])
def test_a_broken_snapshot_file_is_refused_clearly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "snapshot.json"
    path.write_bytes(content)
    with pytest.raises(SnapshotInvalid):
        read_snapshot_file(path)
    with pytest.raises(SnapshotInvalid):
        read_snapshot_file(tmp_path / "missing.json")


def test_snapshot_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_bytes(make_snapshot().to_json())
    assert read_snapshot_file(path) == make_snapshot()
    assert json.loads(path.read_bytes())["format"] == 1
