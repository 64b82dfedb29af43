"""How central's intake holds up once it has taken in a long history of operations (B3 over time).

`scripts/bench ingest` starts from an empty operation log. A central that has run for a while
holds millions of operations, and whatever index an insert touches at a random place costs a
page that is no longer in memory. Figures (one run, same machine):
- `ingest_after_history_ops_per_s`: the day of `bench.ingest`, taken in in-process by a central
  whose `sync_operation` already holds `HISTORY` earlier operations of the same node.
- `ingest_after_history_ratio`: that figure over the same day taken in by a central with no
  history, in the same run (1.0: history costs nothing).
Run: `scripts/bench ingest_history` (SQLite), or with `CENTRAL_DATABASE_URL` as for `bench.ingest`.
"""

from collections.abc import Iterator

from sqlalchemy import text

from bench.databases import scratch_folder, target
from bench.day import Library, library_in, operations
from bench.figures import Figure
from bench.ingest import OPERATIONS, batches_of, in_process

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


def run() -> Iterator[Figure]:
    day = operations(OPERATIONS)
    with scratch_folder("history") as base:
        with library_in(base, "fresh") as fresh:
            fresh_seconds = in_process(fresh, batches_of(day))
        with library_in(base, "history") as older:
            _add_history(older, HISTORY)
            seconds = in_process(older, batches_of(day))
    database = target()
    yield Figure(f"ingest_after_history_ops_per_s[{database}]", round(OPERATIONS / seconds), "ops/s")
    yield Figure(f"ingest_after_history_ratio[{database}]", round(fresh_seconds / seconds, 2), "x")
