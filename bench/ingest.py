"""How fast central takes in a van's day of operations (B3), against the physical ceiling.

Figures (one run, same machine, same data):
- `ingest_ops_per_s`: central applying the day in-process (`central.sync.ingest.ingest_batch`,
  the day cut into batches by bytes as a node cuts it, about 1,770 operations each; SQLite with
  synchronous=FULL): operations central agrees with through the set-based lane
  (`central.services.agreed`), any other through the per-operation services.
- `ingest_http_ops_per_s`: the same day sent by a node over HTTP (Uvicorn on loopback, signed
  requests, gzip bodies), measured from the node's side.
- `ingest_ceiling_ops_per_s`: a raw `executemany` of the same operation rows into a table of the
  same shape, one transaction per batch: what the disk and the database allow before any logic.
- `ingest_writes_ceiling_ops_per_s`: every INSERT and UPDATE the ingest sent for the day (operation
  rows, audit rows, loans, copies, patrons, accounts, the change log, receipts), captured in an
  untimed run and sent again straight to the driver, batch by batch: the physical ceiling of all
  the rows the day writes, not only the operation rows.
- `wire_bytes_per_op`: compressed bytes on the wire per operation.
- `ingest_cold_ops_per_s`: the in-process figure as the first work of a fresh process, before
  the others: no statement compiled yet, and no garbage collection before the clock starts.

Every timed part but the cold one starts with a full garbage collection (`_settled`). Building the
library and the day leaves about 277,000 objects in the process (the day's operations stay alive),
and Python runs a full collection once the objects that survived since the last one number a
quarter of those it kept then: without it, one such collection fell inside the first timed run
and walked them all (120-145 ms of a run of 1.0-1.1 s, timed with `gc.callbacks`). A server that
has been running holds its start-up objects in the oldest generation already, and a batch's own
objects are freed when it ends, so it does not pay that collection for each van's day.
Run: `scripts/bench ingest` (SQLite files under var/), or with
`CENTRAL_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test scripts/bench ingest` on
scratch databases created beside the named one (and dropped). Names carry the database: e.g.
`ingest_ops_per_s[sqlite]`.
"""

import dataclasses
import gc
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, func
from sqlmodel import select

from bench.databases import scratch_database, scratch_folder, target
from bench.day import DAY, NODE, Library, library_in, operations
from bench.figures import Figure
from bench.serving import served
from bookmobile.sync.transport import CentralLink
from central.db import make_engine, new_session
from central.models import SyncOperation
from central.services.context import ServiceContext, transaction
from central.settings import Settings
from central.sync.ingest import ingest_batch
from sync_protocol.batch import Batch, cut_batches
from sync_protocol.operations import Operation
from sync_protocol.policy import CirculationPolicy

OPERATIONS = 20_000
EVENING = DAY + timedelta(hours=12)


def batches_of(day: list[Operation]) -> list[Batch]:
    """The day cut as a node cuts its outbox: by size in bytes (`cut_batches`).

    The operations are fresh copies: cutting encoded each one, and central must not be handed
    that work already done.
    """
    return [
        Batch(NODE, 1, run[0].seq, run[-1].seq, tuple(dataclasses.replace(op) for op in run))
        for run in cut_batches(day)
    ]


def _applied(library: Library) -> int:
    with new_session(library.engine) as session, transaction(session):
        return int(session.exec(select(func.count()).select_from(SyncOperation)).one())


def _settled() -> float:
    """The clock's reading once the garbage of the set-up is collected (see the module's docstring)."""
    gc.collect()
    return time.perf_counter()


def in_process(library: Library, batches: list[Batch], settle: bool = True) -> float:
    """Seconds for central to take in every batch (`ingest_batch`, as the sync endpoint calls it)."""
    started = _settled() if settle else time.perf_counter()
    for batch in batches:
        with new_session(library.engine) as session:
            ctx = ServiceContext(session, CirculationPolicy(), f"node:{NODE}", None, EVENING)
            ingest_batch(ctx, library.node, batch)
    return time.perf_counter() - started


def over_http(library: Library, batches: list[Batch], folder: Path) -> float:
    """Seconds for a node to send every batch to central served by Uvicorn on loopback."""
    database_url = library.engine.url.render_as_string(hide_password=False)
    with served(Settings(database_url=database_url, data_dir=folder)) as url:
        link = CentralLink(url, NODE, library.key, timeout_s=300, attempts=1)
        link.handshake()
        bodies = [batch.encode() for batch in batches]
        started = _settled()
        for body in bodies:
            link.call("POST", "/sync/v1/batches", body)
        return time.perf_counter() - started


_CEILING = sa.Table(
    "ceiling_operation",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("op_id", sa.String(36), unique=True),
    sa.Column("node_id", sa.Integer),
    sa.Column("epoch", sa.Integer),
    sa.Column("seq", sa.Integer),
    sa.Column("sha256", sa.String(64)),
    sa.Column("type", sa.String(32)),
    sa.Column("body", sa.Text),
    sa.Column("wall_time", sa.DateTime(timezone=True)),
    sa.Column("outcome", sa.String(16)),
    sa.UniqueConstraint("node_id", "epoch", "seq"),
)


def ceiling(batches: list[Batch], database_url: str) -> float:
    """Seconds to write the same operation rows with a bare executemany: same database, same commits."""
    engine = make_engine(database_url)
    _CEILING.create(engine)
    rows = [
        [
            {
                "op_id": op.op_id,
                "node_id": 1,
                "epoch": op.epoch,
                "seq": op.seq,
                "sha256": op.sha256(),
                "type": op.type.value,
                "body": op.canonical_bytes().decode(),
                "wall_time": op.wall_time,
                "outcome": "applied",
            }
            for op in batch.operations
        ]
        for batch in batches
    ]
    started = _settled()
    for run in rows:
        with engine.begin() as conn:
            conn.execute(_CEILING.insert(), run)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


_WRITES = ("INSERT", "UPDATE", "DELETE")


def _captured_writes(library: Library, batches: list[Batch]) -> list[list[tuple[str, Any]]]:
    """Every INSERT, UPDATE and DELETE the ingest sends to the driver, per transaction, with the
    driver-ready parameters (an untimed run: only its statements are kept)."""
    transactions: list[list[tuple[str, Any]]] = []
    current: list[tuple[str, Any]] = []

    def statement(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith(_WRITES):
            current.append((sql, parameters))

    def committed(_conn: Any) -> None:
        if current:
            transactions.append(list(current))
            current.clear()

    event.listen(library.engine, "before_cursor_execute", statement)
    event.listen(library.engine, "commit", committed)
    try:
        in_process(library, batches)
    finally:
        event.remove(library.engine, "before_cursor_execute", statement)
        event.remove(library.engine, "commit", committed)
    return transactions


def writes_ceiling(library: Library, writes: list[list[tuple[str, Any]]]) -> float:
    """Seconds to send the same statements with the same parameters straight to the driver, one
    transaction per batch as the ingest commits them: the rows of the day, with no logic."""
    started = _settled()
    for statements in writes:
        with library.engine.begin() as conn:
            for sql, parameters in statements:
                conn.exec_driver_sql(sql, parameters)
    return time.perf_counter() - started


def run() -> Iterator[Figure]:
    day = operations(OPERATIONS)
    batches = batches_of(day)
    with scratch_folder("ingest") as base:
        with library_in(base, "cold") as cold:
            cold_seconds = in_process(cold, batches_of(day), settle=False)
        with library_in(base, "in_process") as library:
            seconds = in_process(library, batches)
            assert _applied(library) == OPERATIONS
        with library_in(base, "http") as remote:
            http_seconds = over_http(remote, batches, base)
            assert _applied(remote) == OPERATIONS
        with scratch_database(base, "ceiling") as url:
            raw = ceiling(batches, url)
        with library_in(base, "captured") as captured:
            writes = _captured_writes(captured, batches_of(day))
        with library_in(base, "replayed") as replay:
            all_rows = writes_ceiling(replay, writes)
    wire = sum(len(batch.encode()) for batch in batches)
    database = target()
    yield Figure(f"ingest_ops_per_s[{database}]", round(OPERATIONS / seconds), "ops/s", goal=">= 20000")
    yield Figure(f"ingest_cold_ops_per_s[{database}]", round(OPERATIONS / cold_seconds), "ops/s")
    yield Figure(f"ingest_http_ops_per_s[{database}]", round(OPERATIONS / http_seconds), "ops/s", goal=">= 10000")
    yield Figure(f"ingest_ceiling_ops_per_s[{database}]", round(OPERATIONS / raw), "ops/s")
    yield Figure(f"ingest_writes_ceiling_ops_per_s[{database}]", round(OPERATIONS / all_rows), "ops/s")
    yield Figure("wire_bytes_per_op", round(wire / OPERATIONS, 1), "bytes", goal="<= 80")
