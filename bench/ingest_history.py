"""How central's intake holds up once it has taken in a long history of operations (B3 over time).

`scripts/bench ingest` starts from an empty operation log. A central that has run for a while
holds millions of operations, and whatever index an insert touches at a random place costs a
page that is no longer in memory. Figures (one run, same machine):
- `ingest_after_history_ops_per_s`: the day of `bench.ingest`, taken in in-process by a central
  whose `sync_operation` already holds `HISTORY` earlier operations of the same node.
- `ingest_after_history_ratio`: that figure over the same day taken in by a central with no
  history, in the same run (1.0: history costs nothing).
- `forget_bodies_after_history_s`: the nightly job's forgetting of operation bodies
  (`central.services.housekeeping.forget_operation_bodies`) the night after that day: the day's
  bodies emptied among the history's.
- `forget_nothing_after_history_s`: the same step the next night, with nothing left to forget:
  what the step costs every night only because the history is there.
Run: `scripts/bench ingest_history` (SQLite), or with `CENTRAL_DATABASE_URL` as for `bench.ingest`.
"""

import time
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import text

from bench.databases import scratch_folder, target
from bench.day import Library, library_in, operations
from bench.figures import Figure
from bench.ingest import EVENING, OPERATIONS, batches_of, in_process
from central.db import new_session
from central.services.context import ServiceContext
from central.services.housekeeping import forget_operation_bodies
from sync_protocol.policy import CirculationPolicy

HISTORY = 2_000_000  # a hundred days like the benchmark's, in an earlier epoch of the node

# One statement per database writes the history server-side: random op ids and hashes, empty
# bodies (the nightly job empties them), an earlier epoch so sequence numbers never meet the day's.
_SQLITE_HISTORY = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO sync_operation (op_id, node_id, epoch, seq, sha256, type, stop_code, body, wall_time,
                            effective_at, outcome, code, received_at)
SELECT lower(hex(randomblob(16))), :node, 0, i, lower(hex(randomblob(32))), 'lend', 'BM1-S01', '',
       '2025-06-10 00:00:00.000000', '2025-06-10 00:00:00.000000', 'applied', '', '2025-06-10 00:00:00.000000'
FROM n
"""
_POSTGRESQL_HISTORY = """
INSERT INTO sync_operation (op_id, node_id, epoch, seq, sha256, type, stop_code, body, wall_time,
                            effective_at, outcome, code, received_at)
SELECT gen_random_uuid()::text, :node, 0, i, md5(random()::text) || md5(random()::text), 'lend', 'BM1-S01', '',
       '2025-06-10 00:00:00+00', '2025-06-10 00:00:00+00', 'applied', '', '2025-06-10 00:00:00+00'
FROM generate_series(1, :count) AS i
"""


def _add_history(library: Library, count: int) -> None:
    sql = _SQLITE_HISTORY if target() == "sqlite" else _POSTGRESQL_HISTORY
    with library.engine.begin() as connection:
        connection.execute(text(sql), {"count": count, "node": library.node.id})
        if target() == "postgresql":
            connection.execute(text("ANALYZE sync_operation"))


def _forget(library: Library) -> tuple[int, float]:
    """The night's forgetting after the day, as the nightly job calls it: (bodies emptied, seconds)."""
    night = EVENING + timedelta(hours=8)
    with new_session(library.engine) as session:
        ctx = ServiceContext(session, CirculationPolicy(), "system:nightly", None, night)
        started = time.perf_counter()
        forgotten = forget_operation_bodies(ctx, night)
        return forgotten, time.perf_counter() - started


def run() -> Iterator[Figure]:
    day = operations(OPERATIONS)
    with scratch_folder("history") as base:
        with library_in(base, "fresh") as fresh:
            fresh_seconds = in_process(fresh, batches_of(day))
        with library_in(base, "history") as older:
            _add_history(older, HISTORY)
            seconds = in_process(older, batches_of(day))
            forgotten, forget_seconds = _forget(older)
            assert forgotten == OPERATIONS
            nothing, idle_seconds = _forget(older)
            assert nothing == 0
    database = target()
    yield Figure(f"ingest_after_history_ops_per_s[{database}]", round(OPERATIONS / seconds), "ops/s")
    yield Figure(f"ingest_after_history_ratio[{database}]", round(fresh_seconds / seconds, 2), "x")
    yield Figure(f"forget_bodies_after_history_s[{database}]", round(forget_seconds, 3), "s")
    yield Figure(f"forget_nothing_after_history_s[{database}]", round(idle_seconds, 3), "s")
