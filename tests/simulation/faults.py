"""Faults beyond the network: a van clock hours off (SPEC 8), and a laptop restored from an old
backup, stopped, and rebuilt by an admin in a new epoch (SPEC 9).
"""

import sqlite3
from contextlib import suppress
from datetime import timedelta

from bookmobile.errors import BookmobileError
from bookmobile.sync.errors import DivergedFromCentral, RestoredFromBackup
from central.db import new_session
from central.sync.devices import issue_enrolment_code, node_by_code
from tests.simulation.actions_van import VAN_ACTIONS
from tests.simulation.syncing import refused_sync, sync_van
from tests.simulation.vans import Van
from tests.simulation.world import World

RESTORE_STOPPED = "a van restored from an old backup stops instead of overwriting central's history (SPEC 9)"
WORK_ON_RESTORED = ("van.lend", "van.return", "van.renew", "van.register", "van.internet")


def skew_clock(world: World, van: Van) -> bool:
    """The laptop's clock goes hours wrong, or is put right again (perhaps before the next sync)."""
    if van.clock.error:
        van.clock.error = timedelta()
        world.stats.notes["van clocks put right"] += 1
        return True
    hours = world.rng.uniform(1, 9) * world.rng.choice((-1, 1))
    van.clock.error = timedelta(hours=hours)
    world.stats.faults["van clock hours off"] += 1
    return True


def back_up(world: World, van: Van) -> bool:
    van.take_backup()
    world.stats.notes["van backups taken"] += 1
    return True


def _last_seq(van: Van) -> int:
    assert van.backup is not None
    with sqlite3.connect(van.backup / "bookmobile.db") as conn:
        return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0])


def _central_high_water(world: World, van: Van) -> int:
    with new_session(world.engine) as session:
        return node_by_code(world.ctx(session), van.node_id).high_water


def restore_from_backup(world: World, van: Van) -> bool:
    """The disk is replaced by the last backup; staff work on at a stop; the sync must stop; an admin
    re-enrols the laptop into a new epoch with a fresh database (`bookmobile init --epoch N`).

    The van first syncs, so nothing confirmed dies with the old disk: what it did since the backup
    is at central, and the restored copy is behind it.
    """
    if van.backup is None or not sync_van(world, van) or van.pending():
        return False
    if _last_seq(van) >= _central_high_water(world, van):
        return False
    world.stats.faults["van restored from an old backup"] += 1
    van.restore_backup()
    for _ in range(world.rng.randint(1, 4)):
        with suppress(BookmobileError):
            VAN_ACTIONS[world.rng.choice(WORK_ON_RESTORED)][1](world, van)
        van.capture(world.ledger)
    refusal = refused_sync(world, van)
    world.check(
        RESTORE_STOPPED, isinstance(refusal, RestoredFromBackup | DivergedFromCentral), f"{van.node_id}: {refusal!r}"
    )
    reenrol(world, van)
    return True


def reenrol(world: World, van: Van) -> None:
    """The admin issues a one-time code; the van starts a fresh database in the next epoch."""
    with new_session(world.engine) as session:
        ctx = world.ctx(session, "staff:admin")
        node = node_by_code(ctx, van.node_id)
        issued = issue_enrolment_code(ctx, node)
        epoch = node.epoch + 1
    van.rebuild(epoch, issued.code, world.http())
    van.capture(world.ledger)
    world.stats.notes["vans re-enrolled in a new epoch"] += 1
