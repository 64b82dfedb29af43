"""No reading history vs. B5, for the conflict rows themselves.

A conflict keeps its own copy of both sides' facts (the van's operation, central's loan or
patron), which tie a patron to a copy as much as a loan does. Once the conflict is decided the
nightly job forgets them, with the same grace as returned loans; the summary, the decision and
who took it stay. An automatic conflict nobody reviewed is settled by the night once its review
window has passed (its default has been in force all along), and then forgotten in the same way.
An open conflict is never settled by the night: it holds an operation that was not applied.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from central.db import new_session
from central.models import Bib, Conflict, ConflictStatus, Item, Patron
from central.nightly.night import ACTOR
from central.services.circulation import lend
from central.services.context import ServiceContext
from central.staff.accounts import StaffMember
from central.staff.conflict_queue import conflict_detail
from central.sync.resolution import Action, Decision, decide
from sync_protocol import operations as ops
from tests.central.conftest import NOW
from tests.central.test_nightly_support import run_on, settings_for, tokyo_night
from tests.staff.helpers import audit_rows, conflicts_of, operation_body
from tests.sync.conftest import VanOutbox

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]
DUE = date(2026, 6, 24)
NIGHT = date(2026, 6, 11)  # the first nightly job after the van's batch on 2026-06-10


def _stored(engine: Engine, conflict_id: int | None) -> Conflict:
    with new_session(engine) as session:
        conflict = session.get(Conflict, conflict_id)
        assert conflict is not None
        return conflict


def _night(engine: Engine, tmp_path: Path, day: date, **settings: Any) -> dict[str, int]:
    report = run_on(engine, settings_for(engine, tmp_path, **settings), day)
    assert not report.errors, report.errors
    return report.counts["settle_conflicts"]


def _stale_loan_conflict(
    van: VanOutbox, ctx: Ctx, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> tuple[Conflict, Patron, Patron, Item]:
    """SPEC 1: a copy on loan at central to one patron, lent on the van to another (automatic)."""
    earlier, walk_in = make_patron(), make_patron()
    _, (copy,) = make_title()
    lend(ctx(now=NOW - timedelta(days=5)), earlier, copy.barcode)
    van.send(van.op(ops.Lend(walk_in.card_number, copy.barcode, DUE)))
    (conflict,) = conflicts_of(session, "stale_loan_closed")
    assert conflict.status == ConflictStatus.AUTO
    assert walk_in.card_number in conflict.van_facts and copy.barcode in conflict.van_facts
    assert conflict.central_facts not in ("", "{}")
    return conflict, earlier, walk_in, copy


def test_b5_no_reading_history_a_decided_conflict_forgets_both_sides_facts_after_the_night(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    admin_client: TestClient,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    conflict, _, walk_in, copy = _stale_loan_conflict(van, ctx, session, make_patron, make_title)
    decide(ctx(now=NOW + timedelta(hours=2), actor=admin.actor), conflict.id, Decision(Action.KEEP))  # type: ignore[arg-type]

    assert _night(engine, tmp_path, NIGHT) == {"settled": 0, "facts_forgotten": 1}

    stored = _stored(engine, conflict.id)
    assert (stored.van_facts, stored.central_facts) == ("", "")
    assert stored.status == ConflictStatus.RESOLVED and stored.resolution and stored.summary
    assert operation_body(engine, stored.operation_id) == ""
    (forgetting,) = audit_rows(session, "conflict.forget")
    assert forgetting.actor == ACTOR and '"conflicts":1' in forgetting.after
    detail = conflict_detail(ctx(now=tokyo_night(NIGHT), actor=admin.actor), conflict.id)  # type: ignore[arg-type]
    assert detail.facts_forgotten and (detail.van_facts, detail.central_facts) == ({}, {})
    page = admin_client.get(f"/staff/conflicts/{conflict.id}")
    assert page.status_code == 200
    assert "保存期間" in page.text and walk_in.card_number not in page.text
    assert _night(engine, tmp_path, NIGHT + timedelta(days=1)) == {"settled": 0, "facts_forgotten": 0}


def test_b5_no_reading_history_a_decided_conflict_keeps_its_facts_through_the_grace_period(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    conflict, *_ = _stale_loan_conflict(van, ctx, session, make_patron, make_title)
    decide(ctx(now=NOW + timedelta(hours=2), actor=admin.actor), conflict.id, Decision(Action.KEEP))  # type: ignore[arg-type]

    # Decided on 2026-06-10: with three days' grace, as a loan returned that day, forgotten on the 13th.
    assert _night(engine, tmp_path, date(2026, 6, 12), loan_history_grace_days=3)["facts_forgotten"] == 0
    assert _stored(engine, conflict.id).van_facts != ""
    assert _night(engine, tmp_path, date(2026, 6, 13), loan_history_grace_days=3)["facts_forgotten"] == 1
    assert _stored(engine, conflict.id).van_facts == ""


def test_b5_an_automatic_conflict_nobody_reviewed_is_settled_once_its_review_window_has_passed(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    conflict, *_ = _stale_loan_conflict(van, ctx, session, make_patron, make_title)
    raised_on = NIGHT - timedelta(days=1)  # 2026-06-10 in Tokyo

    # Reviewable through the whole of the window's last day: 2026-06-10 + 7 days.
    last_day = raised_on + timedelta(days=7)
    assert _night(engine, tmp_path, last_day, conflict_review_days=7) == {"settled": 0, "facts_forgotten": 0}
    kept = _stored(engine, conflict.id)
    assert kept.status == ConflictStatus.AUTO and kept.van_facts != ""
    assert operation_body(engine, kept.operation_id) != ""

    counts = _night(engine, tmp_path, last_day + timedelta(days=1), conflict_review_days=7)

    assert counts == {"settled": 1, "facts_forgotten": 1}
    settled = _stored(engine, conflict.id)
    assert (settled.status, settled.resolved_by) == (ConflictStatus.RESOLVED, ACTOR)
    assert settled.resolved_at == tokyo_night(last_day + timedelta(days=1))
    assert "確認期間" in settled.resolution and "7日" in settled.resolution
    assert (settled.van_facts, settled.central_facts) == ("", "")
    assert operation_body(engine, settled.operation_id) == ""  # the same night, no longer needed for a decision
    (decision,) = audit_rows(session, "conflict.resolve")
    assert decision.actor == ACTOR and '"decision":"keep"' in decision.after


def test_b5_an_open_conflict_is_never_settled_or_forgotten_by_the_night(
    engine: Engine, tmp_path: Path, van: VanOutbox, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", DUE)))  # SPEC 7: unknown barcode, held
    (conflict,) = conflicts_of(session, "unknown_barcode")
    assert conflict.status == ConflictStatus.OPEN

    assert _night(engine, tmp_path, NIGHT + timedelta(days=400)) == {"settled": 0, "facts_forgotten": 0}

    kept = _stored(engine, conflict.id)
    assert kept.status == ConflictStatus.OPEN and "T9999901" in kept.van_facts
    assert "T9999901" in operation_body(engine, kept.operation_id)


def test_b5_an_admin_who_decides_first_keeps_the_decision_the_night_would_have_taken(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    conflict, *_ = _stale_loan_conflict(van, ctx, session, make_patron, make_title)
    decided_at: datetime = NOW + timedelta(days=40)
    decide(ctx(now=decided_at, actor=admin.actor), conflict.id, Decision(Action.KEEP, "確認済み"))  # type: ignore[arg-type]

    assert _night(engine, tmp_path, NIGHT + timedelta(days=41))["settled"] == 0

    stored = _stored(engine, conflict.id)
    assert (stored.resolved_by, stored.resolved_at) == (admin.actor, decided_at)
    assert "確認済み" in stored.resolution
