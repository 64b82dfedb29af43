"""A van's first full pull (B6): 100,000 patrons in the roster and 20,000 copies on the van.

Figures: `bootstrap_s` - from the request to the snapshot stored durably in the van's SQLite
(central builds it, gzip JSON over HTTP on loopback, the node decodes and writes it);
`bootstrap_bytes` - the compressed body on the wire; `bootstrap_ceiling_s` - writing the same
rows into the node's tables with a bare executemany, for comparison.
Run: `scripts/bench bootstrap`.
"""

import time
from collections.abc import Iterator

import requests

from bench.databases import scratch_folder
from bench.day import NODE, build_library
from bench.figures import Figure
from bench.serving import served
from bookmobile.clock import SystemClock
from bookmobile.node import init_node
from bookmobile.settings import Settings as NodeSettings
from bookmobile.store.connection import write_transaction
from bookmobile.store.snapshot_tables import read_snapshot, replace_snapshot
from bookmobile.sync.pull import full_pull
from bookmobile.sync.transport import CentralLink
from central.settings import Settings

PATRONS = 100_000
COPIES = 20_000


def run() -> Iterator[Figure]:
    with scratch_folder("bootstrap") as base:
        library = build_library(f"sqlite:///{base / 'central.db'}", patrons=PATRONS, copies=COPIES)
        settings = Settings(database_url=f"sqlite:///{base / 'central.db'}", data_dir=base)
        sizes: list[int] = []
        http = requests.Session()
        http.hooks["response"].append(lambda r, *_a, **_k: sizes.append(int(r.headers.get("Content-Length", 0))))
        with served(settings) as url, init_node(NodeSettings(data_dir=base / "van"), NODE, SystemClock()) as node:
            link = CentralLink(url, NODE, library.key, http=http, timeout_s=300, attempts=1)
            link.handshake()
            sizes.clear()
            started = time.perf_counter()
            full_pull(node, link)
            seconds = time.perf_counter() - started
            snapshot = read_snapshot(node.conn)
            assert snapshot is not None and len(snapshot.roster) == PATRONS and len(snapshot.items) == COPIES
            started = time.perf_counter()
            with write_transaction(node.conn):
                replace_snapshot(node.conn, snapshot, snapshot.generated_at)
            ceiling = time.perf_counter() - started
    yield Figure("bootstrap_s", round(seconds, 2), "s", goal="<= 10")
    yield Figure("bootstrap_bytes", sizes[-1], "bytes", goal="<= 5000000")
    yield Figure("bootstrap_ceiling_s", round(ceiling, 2), "s")
