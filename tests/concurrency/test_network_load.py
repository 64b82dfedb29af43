"""Must-show for PostgreSQL: 20 bookmobiles syncing through 4 Uvicorn workers while 50 patrons hold
the same titles and renew, all at once; afterwards every invariant holds.

- No copy is on two open loans.
- R13: each title's hold places are 1..N, no ties, no gaps - as the patrons were told when they
  placed them, and as the queue stands afterwards.
- B3: every operation of every van is applied exactly once (one row per operation, ids unique),
  also for a batch two workers received at the same instant (both got the same receipt).
"""

import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, func, select

from central.db import new_session
from central.models import Hold, Loan, SyncBatch, SyncNode, SyncOperation
from central.models.circulation import OPEN_HOLD_STATUSES
from tests.concurrency.network import Library, PatronRun, VanRun, central_served, drive_patron, drive_van, seed

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

VANS = 20
PATRONS = 50
WORKERS = 4


def _run_everyone(url: str, folder: Path, library: Library) -> tuple[list[VanRun], list[PatronRun]]:
    go = threading.Barrier(VANS + PATRONS)
    pickups = [library.main_id, *library.stop_ids]
    with ThreadPoolExecutor(max_workers=VANS + PATRONS) as pool:
        vans = [pool.submit(drive_van, url, folder / van[0], library, van, go) for van in library.vans]
        patrons = [
            pool.submit(drive_patron, url, library, card, pickups[n % len(pickups)], go)
            for n, card in enumerate(library.web_cards)
        ]
        return [v.result() for v in vans], [p.result() for p in patrons]


def _check_loans(engine: Engine) -> int:
    with new_session(engine) as session:
        open_per_copy = session.exec(
            select(Loan.item_id, func.count()).where(col(Loan.returned_at).is_(None)).group_by(Loan.item_id)
        ).all()
    assert all(n == 1 for _, n in open_per_copy), "a copy is on two open loans"
    return len(open_per_copy)


def _check_holds(engine: Engine, library: Library, patrons: list[PatronRun]) -> None:
    told: dict[int, list[int]] = defaultdict(list)
    for run in patrons:
        for bib_id, place in run.places:
            told[bib_id].append(place)
    with new_session(engine) as session:
        for bib_id in library.popular:
            assert sorted(told[bib_id]) == list(range(1, PATRONS + 1)), f"title {bib_id}: places told"
            holds = session.exec(select(Hold).where(Hold.bib_id == bib_id).order_by(col(Hold.queue_number))).all()
            assert [h.queue_number for h in holds] == list(range(1, PATRONS + 1)), f"title {bib_id}: queue"
            assert all(h.status in OPEN_HOLD_STATUSES for h in holds)


def _check_operations(engine: Engine, vans: list[VanRun]) -> int:
    with new_session(engine) as session:
        for van in vans:
            node = session.exec(select(SyncNode).where(SyncNode.code == van.code)).one()
            held = session.exec(select(SyncOperation.op_id).where(SyncOperation.node_id == node.id)).all()
            assert Counter(held) == Counter(van.op_ids), f"{van.code}: operations applied != recorded"
            assert node.high_water == len(van.op_ids)
            twins = van.twin_receipts
            assert len(twins) == 2 and twins[0] == twins[1], f"{van.code}: the twin uploads' receipts differ"
            batches = session.exec(
                select(func.count()).select_from(SyncBatch).where(SyncBatch.sha256 == twins[0].batch_sha256)
            ).one()
            assert batches == 1, f"{van.code}: the batch sent twice at once was stored {batches} times"
        total = session.exec(select(func.count()).select_from(SyncOperation)).one()
        unique = session.exec(select(func.count(func.distinct(SyncOperation.op_id)))).one()
    assert total == unique == sum(len(v.op_ids) for v in vans)
    return total


def test_twenty_vans_and_fifty_patrons_at_once_through_four_workers(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    library = seed(engine, VANS, PATRONS)
    with central_served(database_url, tmp_path / "central", WORKERS) as url:
        started = time.monotonic()
        vans, patrons = _run_everyone(url, tmp_path, library)
        elapsed = time.monotonic() - started
    open_loans = _check_loans(engine)
    _check_holds(engine, library, patrons)
    operations = _check_operations(engine, vans)
    assert all(run.renewal_status == 200 for run in patrons)
    print(
        f"\n{VANS} vans, {PATRONS} patrons, {WORKERS} workers: {elapsed:.1f} s; {operations} van operations "
        f"applied once each, {PATRONS * len(library.popular)} holds in strict order, {PATRONS} renewals, "
        f"{open_loans} open loans; sync retries {sum(v.retries for v in vans)}"
    )
