"""How fast central takes in a van's day of operations (B3), against the physical ceiling.

Figures (one run, same machine, same data):
- `ingest_ops_per_s`: central applying the day in-process (`central.sync.ingest.ingest_batch`,
  batches of 1,000, SQLite with synchronous=FULL) - every operation through the domain services.
- `ingest_http_ops_per_s`: the same day sent by a node over HTTP (Uvicorn on loopback, signed
  requests, gzip bodies), measured from the node's side.
- `ingest_ceiling_ops_per_s`: a raw `executemany` of the same operation rows into a table of the
  same shape, one transaction per batch: what the disk and SQLite allow before any logic.
- `wire_bytes_per_op`: compressed bytes on the wire per operation.
Run: `scripts/bench ingest` (CENTRAL_DATABASE_URL is ignored: the figures here are SQLite's).
"""

import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import uvicorn
from sqlalchemy import func
from sqlmodel import select

from bench.day import DAY, NODE, Library, build_library, operations
from bench.figures import Figure
from bookmobile.sync.transport import CentralLink
from central.db import new_session
from central.models import SyncOperation
from central.services.context import ServiceContext, transaction
from central.settings import Settings
from central.sync.ingest import ingest_batch
from central.web.app import create_app
from sync_protocol.batch import Batch
from sync_protocol.operations import Operation
from sync_protocol.policy import CirculationPolicy

OPERATIONS = 20_000
BATCH = 1_000
EVENING = DAY + timedelta(hours=12)


def _batches(day: list[Operation]) -> list[Batch]:
    runs = [tuple(day[i : i + BATCH]) for i in range(0, len(day), BATCH)]
    return [Batch(NODE, 1, run[0].seq, run[-1].seq, run) for run in runs]


def _applied(library: Library) -> int:
    with new_session(library.engine) as session, transaction(session):
        return int(session.exec(select(func.count()).select_from(SyncOperation)).one())


def in_process(library: Library, batches: list[Batch]) -> float:
    """Seconds to apply every batch through the services."""
    started = time.perf_counter()
    for batch in batches:
        with new_session(library.engine) as session:
            ctx = ServiceContext(session, CirculationPolicy(), f"node:{NODE}", None, EVENING)
            ingest_batch(ctx, library.node, batch)
    return time.perf_counter() - started


def over_http(library: Library, batches: list[Batch], database: Path) -> float:
    """Seconds for a node to send every batch to central served by Uvicorn on loopback."""
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=database.parent)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    link = CentralLink(f"http://127.0.0.1:{port}", NODE, library.key, timeout_s=300, attempts=1)
    try:
        link.handshake()
        bodies = [batch.encode() for batch in batches]
        started = time.perf_counter()
        for body in bodies:
            link.call("POST", "/sync/v1/batches", body)
        return time.perf_counter() - started
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def ceiling(batches: list[Batch], path: Path) -> float:
    """Seconds to write the same operation rows with a bare executemany (same pragmas, same commits)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE op (id INTEGER PRIMARY KEY, op_id TEXT UNIQUE, node_id INT, epoch INT, seq INT, sha256 TEXT,"
        " type TEXT, body TEXT, wall_time TEXT, effective_at TEXT, outcome TEXT, code TEXT, batch_id INT,"
        " received_at TEXT, UNIQUE (node_id, epoch, seq))"
    )
    rows = [
        [
            (
                op.op_id,
                1,
                op.epoch,
                op.seq,
                op.sha256(),
                op.type.value,
                op.canonical_bytes().decode(),
                op.wall_time.isoformat(),
                op.wall_time.isoformat(),
                "applied",
                "",
                1,
                EVENING.isoformat(),
            )
            for op in batch.operations
        ]
        for batch in batches
    ]
    started = time.perf_counter()
    for run in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO op (op_id, node_id, epoch, seq, sha256, type, body, wall_time, effective_at, outcome,"
            " code, batch_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            run,
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def run() -> Iterator[Figure]:
    day = operations(OPERATIONS)
    batches = _batches(day)
    scratch = Path(__file__).resolve().parents[1] / "var"
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-", dir=scratch) as folder:
        base = Path(folder)
        library = build_library(base / "in_process.db")
        seconds = in_process(library, batches)
        assert _applied(library) == OPERATIONS
        library.engine.dispose()
        remote = build_library(base / "http" / "central.db")
        http_seconds = over_http(remote, batches, base / "http" / "central.db")
        assert _applied(remote) == OPERATIONS
        remote.engine.dispose()
        raw = ceiling(batches, base / "ceiling.db")
    wire = sum(len(batch.encode()) for batch in batches)
    yield Figure("ingest_ops_per_s", round(OPERATIONS / seconds), "ops/s", goal=">= 20000")
    yield Figure("ingest_http_ops_per_s", round(OPERATIONS / http_seconds), "ops/s", goal=">= 10000")
    yield Figure("ingest_ceiling_ops_per_s", round(OPERATIONS / raw), "ops/s")
    yield Figure("wire_bytes_per_op", round(wire / OPERATIONS, 1), "bytes", goal="<= 80")
