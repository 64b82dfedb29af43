"""Failures the simulation found, each shrunk by hand to the few steps that matter and kept here,
on the same simulated world (central served in process and on loopback, real van nodes).

The seeds that first showed them are named in each test; `scripts/soak --seed S --steps N` with
those figures ran into them before the fix (the runs diverge since, as the fixes change them).
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bookmobile.desk.accounts import apply_internet_service as van_apply
from bookmobile.desk.lending import lend as van_lend
from bookmobile.sync.errors import DivergedFromCentral, RestoredFromBackup
from central.db import new_session
from central.models import Conflict, NodeStatus, SyncNode
from central.services import accounts
from central.services.lookup import patron_by_card
from central.services.patrons import Registration, register_patron
from sync_protocol.operations import IdDocumentKind
from tests.simulation.actions_desk import issued_at_desk
from tests.simulation.actions_van import _note_password
from tests.simulation.driver import run_simulation
from tests.simulation.ending import every_password
from tests.simulation.syncing import refused_sync, sync_van
from tests.simulation.van_passwords import KEPT_NOTE
from tests.simulation.world import World, open_world


@pytest.fixture
def world(tmp_path: Path) -> World:
    with open_world(seed=1, root=tmp_path) as opened:
        yield opened  # type: ignore[misc]


def _adult(world: World, card: str) -> None:
    with new_session(world.engine) as session:
        register_patron(world.ctx(session), Registration(card, "比嘉 花子", "ひが はなこ", date(1980, 5, 5)))


def test_r4_a_desk_reissue_works_the_same_day_after_a_van_application_taken_in_that_day(world: World) -> None:
    """Seeds 2 (1325 steps) and 8 (82 steps): the desk's re-issue kept the van's next-day start."""
    _adult(world, "20260001")
    van = world.vans["BM1"]
    sync_van(world, van)  # the van's roster learns the new card
    van_apply(van.node, "20260001", IdDocumentKind.DRIVING_LICENCE)
    sync_van(world, van)  # central takes the application in today: it would work from tomorrow (R5)
    with new_session(world.engine) as session:
        patron = patron_by_card(session, "20260001")
        issued = accounts.reissue_password(world.ctx(session), patron, "passport")
        assert issued.temporary_password is not None
        signed_in = accounts.authenticate(world.ctx(session), "20260001", issued.temporary_password)
    assert signed_in.card_number == "20260001"


def test_spec11_r7_a_desk_application_after_the_van_one_keeps_the_desk_password(world: World) -> None:
    """Seed 1 (937 steps): the van's application, older than the desk's that day, replaced its password."""
    _adult(world, "20260002")
    van = world.vans["BM1"]
    sync_van(world, van)  # the van's roster learns the new card, without an account
    _note_password(world, van, van_apply(van.node, "20260002", IdDocumentKind.DRIVING_LICENCE))
    world.clock.advance(timedelta(hours=2))
    with new_session(world.engine) as session:
        desk = accounts.apply_internet_service(world.ctx(session), patron_by_card(session, "20260002"), "passport")
        issued_at_desk(world, "20260002", desk)
    sync_van(world, van)  # central takes the van's older application in
    every_password(world)
    assert world.violations == [] and world.stats.notes[KEPT_NOTE] == 1
    with new_session(world.engine) as session:
        assert desk.temporary_password is not None
        assert accounts.authenticate(world.ctx(session), "20260002", desk.temporary_password)
        (conflict,) = session.exec(select(Conflict).where(Conflict.kind == "password_set_later")).all()
    assert "本館の窓口" in conflict.summary


def test_b2_work_done_on_a_laptop_restored_from_an_old_backup_is_held_in_a_conflict(world: World) -> None:
    """Seeds 1, 4 and 5 (3000 steps): the restored laptop stopped, and kept its new work to itself."""
    van = world.vans["BM2"]
    copies = sorted(item.barcode for item in van.items())
    van_lend(van.node, "10000001", copies[0])
    sync_van(world, van)
    van.take_backup()
    van_lend(van.node, "10000002", copies[1])
    sync_van(world, van)  # central holds seq 2, the backup stops at seq 1
    van.restore_backup()
    done_after_restore = van_lend(van.node, "10000003", copies[2])  # confirmed to staff as seq 2
    van.capture(world.ledger)
    assert isinstance(refused_sync(world, van), RestoredFromBackup | DivergedFromCentral)
    with new_session(world.engine) as session:
        node = session.exec(select(SyncNode).where(SyncNode.code == van.node_id)).one()
        (conflict,) = session.exec(select(Conflict).where(Conflict.kind == "restored_node")).all()
    assert node.status == NodeStatus.QUARANTINED
    (entry,) = world.ledger.all_diverged()
    assert entry[1].seq == done_after_restore.seq and entry[1].op_id in conflict.van_facts


@pytest.mark.parametrize(("seed", "steps"), [(8, 82)])
def test_the_first_failing_seeds_now_keep_every_invariant(seed: int, steps: int, tmp_path: Path) -> None:
    assert run_simulation(seed, steps, tmp_path).violations == []
