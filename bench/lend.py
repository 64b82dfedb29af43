"""One lend on a bookmobile node with a 100,000-patron roster and 20,000 items, durable commits.

Measures `bookmobile.desk.lending.lend` end to end as staff wait for it: normalising the scans,
reading the local view, appending to the outbox and committing with `synchronous=FULL` in WAL
mode (the WAL is fsynced before the call returns). The database lives in a temporary folder on
the project's disk (under var/). `lend_fsync_ceiling_p50_ms` times a bare 4 KiB append plus
fdatasync in the same folder: the floor any durable commit on this disk stands on.
Run: `scripts/bench lend` (or `.venv/bin/python -m bench lend`).
"""

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from bench.databases import scratch_folder
from bench.figures import Figure, percentile
from bookmobile.clock import SystemClock
from bookmobile.desk.lending import lend
from bookmobile.desk.setup import load_snapshot, set_stop
from bookmobile.node import init_node
from bookmobile.settings import Settings
from sync_protocol.policy import CirculationPolicy
from sync_protocol.snapshot import (
    CardNumberBlock,
    CarriedItem,
    ItemState,
    RosterEntry,
    Snapshot,
    Stop,
    TitleEntry,
)

PATRONS = 100_000
ITEMS = 20_000
TITLES = 8_000
WARM_UP = 50
LENDS = 2_000


def big_snapshot() -> Snapshot:
    """A van's snapshot of the benchmark's size; every item on the shelf, nobody blocked."""
    eligible = date(2000, 4, 1)
    roster = tuple(
        RosterEntry(f"{1_000_000_000 + n}", f"利用者 {n}", "リヨウシャ", False, 0, False, eligible)
        for n in range(PATRONS)
    )
    titles = tuple(TitleEntry(n, f"書名 {n}", 0) for n in range(TITLES))
    items = tuple(CarriedItem(f"B{n:07d}", n % TITLES, ItemState.AVAILABLE) for n in range(ITEMS))
    return Snapshot(
        node_id="bench-van",
        generated_at=datetime.now(UTC),
        library_name="Benchmark library",
        policy=CirculationPolicy(),
        stops=(Stop("S01", "Stop 1"),),
        card_blocks=(CardNumberBlock("2000000000", "2000099999"),),
        titles=titles,
        items=items,
        holds=(),
        roster=roster,
    )


def run() -> Iterator[Figure]:
    rng = random.Random(7)
    with scratch_folder("lend") as folder:
        settings = Settings(data_dir=folder / "van")
        with init_node(settings, "bench-van", SystemClock()) as node:
            load_snapshot(node, big_snapshot())
            set_stop(node, "S01")
            barcodes = [f"B{n:07d}" for n in rng.sample(range(ITEMS), WARM_UP + LENDS)]
            samples: list[float] = []
            for index, barcode in enumerate(barcodes):
                card = f"{1_000_000_000 + rng.randrange(PATRONS)}"
                started = time.perf_counter()
                lend(node, card, barcode)
                elapsed_ms = (time.perf_counter() - started) * 1000
                if index >= WARM_UP:
                    samples.append(elapsed_ms)
            fsyncs = _fsync_samples(Path(folder) / "ceiling.bin")
    yield Figure("lend_p50_ms", round(percentile(samples, 0.50), 3), "ms")
    yield Figure("lend_p99_ms", round(percentile(samples, 0.99), 3), "ms", goal="<= 10")
    yield Figure("lend_fsync_ceiling_p50_ms", round(percentile(fsyncs, 0.50), 3), "ms")


def _fsync_samples(path: Path, count: int = 500) -> list[float]:
    """The physical ceiling of a durable commit here: append one page and fdatasync it, timed."""
    samples = []
    with open(path, "ab", buffering=0) as file:
        for _ in range(count):
            started = time.perf_counter()
            file.write(b"\0" * 4096)
            os.fdatasync(file.fileno())
            samples.append((time.perf_counter() - started) * 1000)
    return samples
