"""No reading history vs. B5, for the conflict rows themselves.

A conflict keeps its own copy of both sides' facts (the van's operation, central's loan or
patron), which tie a patron to a copy as much as a loan does; its summary, the decision's
description and reason, and the receipt the van was sent name a card or a barcode, which the
operation's time ties to the loan. Once the conflict is decided the nightly job forgets all of
them, with the same grace as returned loans; the kind, the status, who decided and when stay.
An automatic conflict nobody reviewed is settled by the night once its review window has passed
(its default has been in force all along), and then forgotten in the same way.
An open conflict is never settled by the night: it holds an operation that was not applied.
"""

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.db import new_session
from central.models import AuditEntry, Bib, Conflict, ConflictStatus, Item, Patron, SyncBatch
from central.nightly.night import ACTOR
from central.services.circulation import lend
from central.services.context import ServiceContext
from central.staff.accounts import StaffMember
from central.staff.conflict_queue import conflict_detail
from central.sync import retention
from central.sync.resolution import Action, Decision, decide
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
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

    assert _night(engine, tmp_path, NIGHT) == {"settled": 0, "facts_forgotten": 1, "receipts_forgotten": 1}

    stored = _stored(engine, conflict.id)
    assert (stored.van_facts, stored.central_facts) == ("", "")
    assert (stored.status, stored.kind, stored.resolved_by) == (
        ConflictStatus.RESOLVED,
        "stale_loan_closed",
        admin.actor,
    )
    assert (stored.summary, stored.resolution) == ("", "")
    assert operation_body(engine, stored.operation_id) == ""
    (forgetting,) = audit_rows(session, "conflict.forget")
    assert forgetting.actor == ACTOR and '"conflicts":1' in forgetting.after
    detail = conflict_detail(ctx(now=tokyo_night(NIGHT), actor=admin.actor), conflict.id)  # type: ignore[arg-type]
    assert detail.facts_forgotten and (detail.van_facts, detail.central_facts) == ({}, {})
    page = admin_client.get(f"/staff/conflicts/{conflict.id}")
    assert page.status_code == 200
    assert "保存期間" in page.text and walk_in.card_number not in page.text
    assert _night(engine, tmp_path, NIGHT + timedelta(days=1)) == {
        "settled": 0,
        "facts_forgotten": 0,
        "receipts_forgotten": 0,
    }


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

    # Reviewable through the whole of the window's last day: 2026-06-10 + 7 days. (Three days' grace
    # lets the decision be read the morning after.)
    last_day = raised_on + timedelta(days=7)
    first = _night(engine, tmp_path, last_day, conflict_review_days=7, loan_history_grace_days=3)
    assert (first["settled"], first["facts_forgotten"]) == (0, 0)
    kept = _stored(engine, conflict.id)
    assert kept.status == ConflictStatus.AUTO and kept.van_facts != ""
    assert operation_body(engine, kept.operation_id) != ""

    settling_night = last_day + timedelta(days=1)
    counts = _night(engine, tmp_path, settling_night, conflict_review_days=7, loan_history_grace_days=3)

    assert (counts["settled"], counts["facts_forgotten"]) == (1, 0)
    settled = _stored(engine, conflict.id)
    assert (settled.status, settled.resolved_by) == (ConflictStatus.RESOLVED, ACTOR)
    assert settled.resolved_at == tokyo_night(settling_night)
    assert "確認期間" in settled.resolution and "7日" in settled.resolution
    assert operation_body(engine, settled.operation_id) == ""  # the same night, no longer needed for a decision
    (decision,) = audit_rows(session, "conflict.resolve")
    assert decision.actor == ACTOR and '"decision":"keep"' in decision.after
    # Decided by the night: forgotten like any decision, once the grace has passed.
    later = _night(
        engine, tmp_path, settling_night + timedelta(days=3), conflict_review_days=7, loan_history_grace_days=3
    )
    assert later["facts_forgotten"] == 1
    assert (_stored(engine, conflict.id).van_facts, _stored(engine, conflict.id).resolution) == ("", "")


def test_b5_an_open_conflict_is_never_settled_or_forgotten_by_the_night(
    engine: Engine, tmp_path: Path, van: VanOutbox, session: Session, make_patron: MakePatron
) -> None:
    patron = make_patron()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", DUE)))  # SPEC 7: unknown barcode, held
    (conflict,) = conflicts_of(session, "unknown_barcode")
    assert conflict.status == ConflictStatus.OPEN

    counts = _night(engine, tmp_path, NIGHT + timedelta(days=400))
    assert (counts["settled"], counts["facts_forgotten"]) == (0, 0)

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
    (decision,) = audit_rows(session, "conflict.resolve")
    assert decision.actor == admin.actor


def _traces(engine: Engine, conflict_id: int | None) -> str:
    """Every text the conflict, its audit rows and the stored receipts hold."""
    with new_session(engine) as session:
        conflict = session.get(Conflict, conflict_id)
        assert conflict is not None
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.object_type == "conflict", AuditEntry.object_id == str(conflict_id))
        ).all()
        receipts = session.exec(select(SyncBatch.receipt).order_by(col(SyncBatch.id))).all()
        return "\n".join(
            [conflict.summary, conflict.resolution, conflict.van_facts, conflict.central_facts]
            + [row.before + row.after for row in audit]
            + list(receipts)
        )


def test_b5_no_reading_history_after_the_night_no_conflict_text_or_receipt_names_the_card_or_the_copy(
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
    _, (copy,) = make_title()
    lend_to_unknown_card = van.op(ops.Lend("99990001", copy.barcode, DUE))  # SPEC 7: held, open
    receipt = van.send(lend_to_unknown_card)
    assert "99990001" in receipt.operations[0].message
    meant = make_patron()
    decide(
        ctx(now=NOW + timedelta(hours=10), actor=admin.actor),
        receipt.operations[0].conflict_id,  # type: ignore[arg-type]
        Decision(Action.LINK, f"カード {meant.card_number} の読み違い", card_number=meant.card_number),
    )
    conflict_id = receipt.operations[0].conflict_id
    before = _traces(engine, conflict_id)
    assert "99990001" in before and meant.card_number in before and copy.barcode in before

    _night(engine, tmp_path, NIGHT)

    after = _traces(engine, conflict_id)
    assert "99990001" not in after and meant.card_number not in after and copy.barcode not in after
    stored = _stored(engine, conflict_id)
    assert (stored.status, stored.resolved_by) == (ConflictStatus.RESOLVED, admin.actor)
    page = admin_client.get(f"/staff/conflicts/{conflict_id}")
    assert page.status_code == 200 and "保存期間" in page.text
    assert "保存期間" in admin_client.get("/staff/conflicts?status=all").text
    # The van sending the batch again still gets its receipt: the same outcomes, without the words.
    replayed = van.send(lend_to_unknown_card)
    assert [(r.seq, r.outcome, r.code, r.conflict_id) for r in replayed.operations] == [
        (1, Outcome.CONFLICT, "unknown_card", conflict_id)
    ]
    assert replayed.operations[0].message == ""


def test_b5_a_restored_nodes_conflict_closed_by_re_enrolling_keeps_the_operations_it_holds(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    """SPEC 9: what staff did on a laptop restored from a backup was never applied, and exists only
    in the conflict; re-enrolling the laptop does not apply it, so the night must not forget it."""
    patron = make_patron()
    _, (first, second) = make_title(copies=2)
    van.send(van.op(ops.Return(first.barcode)))
    van.seq = 0  # the backup was taken before seq 1
    van.send(van.op(ops.Lend(patron.card_number, second.barcode, DUE)))
    (restored,) = conflicts_of(session, "restored_node")
    decide(ctx(now=NOW + timedelta(hours=10), actor=admin.actor), restored.id, Decision(Action.REENROL))  # type: ignore[arg-type]

    counts = _night(engine, tmp_path, NIGHT + timedelta(days=5))

    assert counts["facts_forgotten"] == 0
    kept = _stored(engine, restored.id)
    assert kept.status == ConflictStatus.RESOLVED
    assert patron.card_number in kept.van_facts and second.barcode in kept.van_facts


def test_no_reading_history_each_stored_receipt_is_gone_through_by_one_night_a_few_at_a_time(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The night reads only the receipts no night has gone through (marked, with or without a
    message), a chunk per transaction: not every receipt ever stored, all at once."""
    monkeypatch.setattr(retention, "RECEIPT_CHUNK", 2)
    _, copies = make_title(copies=5)
    patron = make_patron()
    for copy in copies:  # five batches whose receipts have no message
        van.send(van.op(ops.Lend(patron.card_number, copy.barcode, DUE)))
    _stale_loan_conflict(van, ctx, session, make_patron, make_title)  # and one with a message

    assert _night(engine, tmp_path, NIGHT)["receipts_forgotten"] == 1

    with new_session(engine) as fresh:
        marked = fresh.exec(select(SyncBatch.messages_forgotten)).all()
    assert len(marked) == 6 and all(marked)
    later = make_patron()
    _, (late_copy,) = make_title()
    lend(ctx(now=NOW + timedelta(days=1)), make_patron(), late_copy.barcode)
    next_day = NOW + timedelta(days=1, hours=1)
    van.send(van.op(ops.Lend(later.card_number, late_copy.barcode, DUE), at=next_day), received=next_day)
    assert _night(engine, tmp_path, NIGHT + timedelta(days=1))["receipts_forgotten"] == 1


def test_no_reading_history_a_damaged_receipt_is_reported_and_does_not_keep_later_ones_from_being_forgotten(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    make_patron: MakePatron,
    make_title: MakeTitle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(make_patron().card_number, copy.barcode, DUE)))
    _stale_loan_conflict(van, ctx, session, make_patron, make_title)
    with new_session(engine) as fresh:
        first, second = fresh.exec(select(SyncBatch).order_by(col(SyncBatch.id))).all()
        first.receipt = first.receipt[:40]  # damaged in the database
        fresh.add(first)
        fresh.commit()

    assert _night(engine, tmp_path, NIGHT)["receipts_forgotten"] == 1

    with new_session(engine) as fresh:
        stored = fresh.get(SyncBatch, second.id)
        assert stored is not None and stored.messages_forgotten
        assert all(operation["message"] == "" for operation in json.loads(stored.receipt)["operations"])
    assert f"sync_batch {first.id}: the stored receipt cannot be read" in caplog.text
