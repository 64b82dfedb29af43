"""B2: a node killed at random moments loses nothing it confirmed and never applies anything twice.

A child process lends, takes back and registers in a loop and reports each action after it
returned; the parent SIGKILLs it at a random moment, many times over, restarting it each time.
Afterwards every reported action is in the outbox as reported, the sequence has no gaps or
duplicates, the local view agrees with the outbox, and SQLite's integrity check passes.
"""

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from sync_protocol.snapshot import CardNumberBlock
from tests.bookmobile.builders import SnapshotSpec, ready_node

KILLS = 30


def run_and_kill(data_dir: Path, rng: random.Random) -> list[tuple[int, str, str]]:
    """Start the child, let it work for a random moment, SIGKILL it; return what it reported done."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.bookmobile.crash_child", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],  # so that `tests.bookmobile` is importable
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "READY", child.stderr.read() if child.stderr else ""
    time.sleep(rng.uniform(0.0, 0.25))
    child.send_signal(signal.SIGKILL)
    output, errors = child.communicate(timeout=20)
    assert child.returncode == -signal.SIGKILL
    assert "Traceback" not in errors, errors
    reported = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "DONE":  # a line cut by the kill is not a report
            reported.append((int(parts[1]), parts[2], parts[3]))
    return reported


@pytest.mark.slow
def test_b2_sigkill_at_random_moments_loses_nothing_confirmed(tmp_path: Path) -> None:
    spec = SnapshotSpec(card_blocks=[CardNumberBlock("2000000000", "2009999999")])
    ready_node(tmp_path, spec=spec).close()
    rng = random.Random(20250604)
    reported: list[tuple[int, str, str]] = []
    for _ in range(KILLS):
        reported += run_and_kill(tmp_path, rng)
    assert len(reported) > KILLS  # the child did get work done between kills

    with closing(sqlite3.connect(tmp_path / "bookmobile.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT seq, op_id, type, body FROM outbox ORDER BY seq").fetchall()
        seqs = [r[0] for r in rows]
        assert seqs == list(range(1, len(rows) + 1)), "gaps or duplicates in the sequence"
        assert len({r[1] for r in rows}) == len(rows), "an operation id recorded twice"
        by_seq = {r[0]: (r[2], json.loads(r[3])) for r in rows}
        for seq, kind, subject in reported:
            assert seq in by_seq, f"reported done but lost: {seq} {kind} {subject}"
            recorded_kind, body = by_seq[seq]
            payload = body["payload"]
            assert recorded_kind == kind and subject in (payload.get("barcode"), payload.get("card_number"))
        assert_local_view_matches_outbox(conn, [by_seq[s] for s in seqs])


def assert_local_view_matches_outbox(conn: sqlite3.Connection, ops: list[tuple[str, dict]]) -> None:
    """Replaying the outbox gives the local view: no action half-applied, none applied twice."""
    last_state: dict[str, str] = {}
    registered = 0
    for kind, body in ops:
        if kind == "lend":
            last_state[body["payload"]["barcode"]] = "on_loan"
        elif kind == "return":
            last_state[body["payload"]["barcode"]] = "available"
        elif kind == "register_patron":
            registered += 1
    local = dict(conn.execute("SELECT barcode, status FROM local_item").fetchall())
    assert local == last_state
    assert conn.execute("SELECT COUNT(*) FROM card_allocation").fetchone()[0] == registered
    loans = conn.execute("SELECT COALESCE(SUM(delta), 0) FROM local_loan_delta").fetchone()[0]
    assert loans == sum(1 for state in last_state.values() if state == "on_loan")
