"""Passwords given on a van reach central with the operation that carries their hash: the
simulation learns, after each sync, which ones central applied and from which day they must work.

R5: from the day after central took the application in. SPEC 11 and R7: the later password wins,
by the instant each was given - a van operation's effective time at central, the desk's and the
web's own instant. A van application or re-issue older than the password central holds (issued
later at the desk or on another van, or changed online) is not applied: central keeps its own
and records `password_changed_online` or `password_set_later`. A van password newer than central's
replaces it (an application for a patron who already has an account is then a re-issue,
`account_exists`).

Either way the van's password is one the patron was given at that instant: when it lost, it is an
earlier password that must not sign in (R7), like any other superseded one.
"""

from datetime import timedelta

from sqlmodel import col, select

from central.db import new_session
from central.models import Conflict, SyncOperation
from sync_protocol.batch import Outcome
from sync_protocol.timezone import tokyo_date
from tests.simulation.model import Issue
from tests.simulation.world import World

SPEC11 = "a van password older than central's is not applied, a newer one is (SPEC 11, R7)"
CENTRAL_KEPT = frozenset({"password_changed_online", "password_set_later"})
KEPT_NOTE = "van password older than central's, central's kept (SPEC 11)"


def learn_applied(world: World) -> None:
    """Van-issued passwords central has now taken in: the later password wins (SPEC 11), and a van's
    works from the day after today (R5)."""
    waiting = world.credentials.waiting
    if not waiting:
        return
    with new_session(world.engine) as session:
        rows = session.exec(select(SyncOperation).where(col(SyncOperation.op_id).in_(list(waiting)))).all()
        kept = set(
            session.exec(
                select(Conflict.operation_id).where(
                    col(Conflict.operation_id).in_([r.id for r in rows]), col(Conflict.kind).in_(CENTRAL_KEPT)
                )
            )
        )
    now = world.clock.now()
    for row in sorted(rows, key=lambda r: r.seq):
        card, password = waiting.pop(row.op_id)
        if row.outcome != Outcome.APPLIED:
            continue  # held in a conflict: not applied
        newer = [i for i in world.credentials.issues.get(card, []) if i.at > row.effective_at]
        world.check(
            SPEC11,
            (row.id in kept) == bool(newer),
            f"card {card}: {row.type} at {row.effective_at}, {row.code or 'applied'}; newer: {newer[-1:]}",
        )
        if newer:
            world.stats.notes[KEPT_NOTE] += 1
        world.credentials.add(card, Issue(password, row.effective_at, tokyo_date(now) + timedelta(days=1), "van"))
