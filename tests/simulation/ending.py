"""The end of a run: the vans' clocks put right, every outbox drained, one more night, then the
checks only the end can make - every operation staff were ever told was done is at central (or
held in a conflict), and every password the simulation knows opens its account, no other.
"""

import json
from datetime import timedelta

from sqlmodel import select

from central.db import new_session
from central.models import Conflict
from tests.simulation import invariants
from tests.simulation.actions_web import old_password_refused, sign_in
from tests.simulation.night import advance, next_night
from tests.simulation.syncing import sync_van
from tests.simulation.world import World

STRANDED = "operations stranded on a restored laptop (never sent, see docs/reliability.md)"


def finish(world: World) -> None:
    for van in world.vans.values():
        van.clock.error = timedelta()
    for _ in range(3):
        for code in sorted(world.vans):
            if world.vans[code].pending():
                sync_van(world, world.vans[code])
    for code in sorted(world.vans):
        sync_van(world, world.vans[code])
    advance(world, (next_night(world.clock.now()) - world.clock.now()).total_seconds() + 60)
    invariants.after_step(world)
    everything_accounted(world)
    every_password(world)


def _held_in_restored_conflicts(world: World) -> set[str]:
    """Operation ids a `restored_node` conflict keeps (the diverging operations of a restored node)."""
    with new_session(world.engine) as session:
        conflicts = session.exec(select(Conflict).where(Conflict.kind == "restored_node")).all()
    held: set[str] = set()
    for conflict in conflicts:
        for operation in json.loads(conflict.van_facts or "{}").get("operations", []):
            held.add(operation["op_id"])
    return held


def everything_accounted(world: World) -> None:
    """Every confirmed operation is at central once; a restored van's diverging ones in its conflict."""
    central = {
        (node, epoch, seq): op_id
        for node, epoch, seq, op_id in invariants.rows(
            world,
            "SELECT n.code, o.epoch, o.seq, o.op_id FROM sync_operation o JOIN sync_node n ON n.id = o.node_id",
        )
    }
    missing = [
        f"{node} epoch {epoch} seq {entry.seq} ({entry.type}) is not at central"
        for (node, epoch), entry in world.ledger.all_confirmed()
        if central.get((node, epoch, entry.seq)) != entry.op_id
    ]
    held = _held_in_restored_conflicts(world)
    for (node, epoch), entry in world.ledger.all_diverged():
        if entry.op_id not in held:
            world.stats.notes[STRANDED] += 1
            missing.append(
                f"{node} epoch {epoch} seq {entry.seq} ({entry.type}), done on a restored laptop, never sent"
            )
    world.check_each(invariants.ACCOUNTED, missing)


def every_password(world: World) -> None:
    """Each card holder signs in with the password that must work; earlier ones fail (R4-R7)."""
    with new_session(world.engine) as session:
        for card in world.credentials.cards():
            sign_in(world, session, card)
            old_password_refused(world, session, card)
