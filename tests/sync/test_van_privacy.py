"""Least data on the van: acknowledged operations are forgotten after the retention period."""

import sqlite3
from pathlib import Path

import pytest

from bookmobile.desk.lending import lend
from bookmobile.store.connection import reading
from bookmobile.sync.session import sync_once
from tests.sync.harness import CARDS, VAN_COPIES, VanClock, enrolled_van, prepared_central, serve


def test_acknowledged_operations_are_emptied_after_the_retention_period_and_unsent_ones_never(tmp_path: Path) -> None:
    settings, engine, code = prepared_central(tmp_path / "central")
    clock = VanClock()
    with serve(settings) as url:
        node = enrolled_van(tmp_path / "van", url, code, clock=clock)
        lend(node, CARDS[0], VAN_COPIES[0])
        sync_once(node, node.settings)
        lend(node, CARDS[1], VAN_COPIES[1])  # not yet sent
        with reading(node.conn):
            assert node.conn.execute("SELECT COUNT(*) FROM outbox WHERE body = ''").fetchone()[0] == 0
        clock.error_s = 2 * 86400  # two days later
        sync_once(node, node.settings)
        lend(node, CARDS[2], VAN_COPIES[2])
        with reading(node.conn):
            rows = node.conn.execute("SELECT seq, body = '', sent_at IS NOT NULL FROM outbox ORDER BY seq").fetchall()
        assert rows == [(1, 1, 1), (2, 0, 1), (3, 0, 0)]  # only the op acknowledged two days ago is forgotten
        with pytest.raises(sqlite3.IntegrityError), node.conn:
            node.conn.execute("UPDATE outbox SET body = '' WHERE seq = 3")
        sync_once(node, node.settings)  # the resume check still works on a forgotten operation's checksum
        node.close()
    engine.dispose()
