"""Passwords given on a van reach central with the operation that carries their hash: the
simulation learns, after each sync, which ones central applied and from which day they must work.

R5: from the day after central took the application in. SPEC 11: a van re-issue that happened
before the patron changed the password online is not applied (`password_changed_online`).

A van operation that central does apply becomes the patron's password from the moment central
takes it in, whatever the patron was given meanwhile: that is central's rule for an application
finding an account already there (`account_exists`: "treated as a re-issue") and for a re-issue
older than a newer desk re-issue. When that replaces a password issued after the van's operation,
the simulation counts it (see docs/reliability.md: it is reported as a product finding).
"""

from datetime import timedelta

from sqlmodel import col, select

from central.db import new_session
from central.models import SyncOperation
from sync_protocol.batch import Outcome
from sync_protocol.operations import OperationType
from sync_protocol.timezone import tokyo_date
from tests.simulation.model import Issue
from tests.simulation.world import World

SPEC11 = "a van re-issue older than an online password change is not applied (SPEC 11)"
REPLACED_NEWER = "van password replaced one issued after the van's operation (finding)"


def learn_applied(world: World) -> None:
    """Van-issued passwords central has now applied work from the day after today (R5)."""
    waiting = world.credentials.waiting
    if not waiting:
        return
    with new_session(world.engine) as session:
        rows = session.exec(select(SyncOperation).where(col(SyncOperation.op_id).in_(list(waiting)))).all()
    now = world.clock.now()
    for row in sorted(rows, key=lambda r: r.seq):
        card, password = waiting.pop(row.op_id)
        if row.outcome != Outcome.APPLIED:
            continue  # held in a conflict: not applied
        known = world.credentials.issues.get(card, [])
        if row.type == OperationType.REISSUE_PASSWORD:
            newer_online = any(i.source == "web" and i.at > row.effective_at for i in known)
            skipped = row.code == "password_changed_online"
            world.check(SPEC11, skipped == newer_online, f"card {card}: {row.code or 'applied'} at {row.effective_at}")
            if skipped:
                continue
        if any(i.at > row.effective_at for i in known):
            world.stats.notes[REPLACED_NEWER] += 1
        world.credentials.add(card, Issue(password, now, tokyo_date(now) + timedelta(days=1), "van"))
