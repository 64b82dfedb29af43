"""No reading history vs. B5: the nightly job forgets what a van's operation said, except while an
open or automatic conflict still needs it for an admin's decision; a decided conflict still opens
after its operation was forgotten."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.db import new_session
from central.models import Bib, ConflictStatus, Item, Loan, Patron, SyncOperation
from central.services.context import ServiceContext, transaction
from central.staff.accounts import StaffMember
from central.staff.conflict_queue import conflict_detail
from central.sync.resolution import Action, Decision, decide
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
from tests.central.conftest import NOW
from tests.central.test_nightly_support import run_on, settings_for, tokyo_night
from tests.staff.helpers import conflicts_of, operation_body
from tests.sync.conftest import VanOutbox

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]
DUE = date(2026, 6, 24)
NIGHT = date(2026, 6, 11)  # the first nightly job after the van's sync at 18:00 on 2026-06-10
NEXT_NIGHT = date(2026, 6, 12)


def _night(engine: Engine, tmp_path: Path, day: date) -> int:
    report = run_on(engine, settings_for(engine, tmp_path), day)
    assert not report.errors, report.errors
    return report.counts["anonymise_loans"]["operations_forgotten"]


def test_b5_no_reading_history_operations_of_open_and_automatic_conflicts_keep_their_bodies_until_decided(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    make_patron: MakePatron,
    make_title: MakeTitle,
) -> None:
    _, (held_copy, late_copy, plain_copy) = make_title(copies=3)
    walk_in = make_patron()
    receipt = van.send(
        van.op(ops.Lend("99990001", held_copy.barcode, DUE)),  # unknown card: held, open (SPEC 7)
        van.op(ops.Lend(walk_in.card_number, plain_copy.barcode, DUE)),
        van.op(ops.Lend(walk_in.card_number, late_copy.barcode, DUE), at=NOW + timedelta(days=400)),  # clock: auto
    )
    assert [r.outcome for r in receipt.operations] == [Outcome.CONFLICT, Outcome.APPLIED, Outcome.APPLIED]
    (held,) = conflicts_of(session, "unknown_card")
    (clock,) = conflicts_of(session, "clock_skew")
    assert (held.status, clock.status) == (ConflictStatus.OPEN, ConflictStatus.AUTO)

    assert _night(engine, tmp_path, NIGHT) == 1  # the plain lend only

    assert json.loads(operation_body(engine, held.operation_id))["payload"]["card_number"] == "99990001"
    assert late_copy.barcode in operation_body(engine, clock.operation_id)
    # The admin decides as usual once the card's registration has reached central.
    patron = make_patron(card_number="99990001")
    later = tokyo_night(NIGHT) + timedelta(hours=8)
    decide(ctx(now=later, actor=admin.actor), held.id, Decision(Action.RETRY))  # type: ignore[arg-type]
    decide(ctx(now=later, actor=admin.actor), clock.id, Decision(Action.KEEP))  # type: ignore[arg-type]
    with transaction(session):
        (loan,) = session.exec(select(Loan).where(Loan.item_id == held_copy.id)).all()
        assert loan.patron_id == patron.id

    assert _night(engine, tmp_path, NEXT_NIGHT) == 2
    with new_session(engine) as fresh:
        assert set(fresh.exec(select(SyncOperation.body).order_by(col(SyncOperation.id)))) == {""}


def test_b5_a_decided_conflict_still_opens_in_the_console_after_the_night_forgot_its_operation(
    engine: Engine,
    tmp_path: Path,
    van: VanOutbox,
    ctx: Ctx,
    session: Session,
    admin: StaffMember,
    admin_client: TestClient,
    make_patron: MakePatron,
) -> None:
    patron = make_patron()
    van.send(van.op(ops.Lend(patron.card_number, "T9999901", DUE)))
    (conflict,) = conflicts_of(session, "unknown_barcode")
    decide(ctx(now=NOW + timedelta(hours=9), actor=admin.actor), conflict.id, Decision(Action.VOID, "誤スキャン"))  # type: ignore[arg-type]
    assert _night(engine, tmp_path, NIGHT) == 1
    assert operation_body(engine, conflict.operation_id) == ""

    detail = conflict_detail(ctx(now=tokyo_night(NIGHT), actor=admin.actor), conflict.id)  # type: ignore[arg-type]

    assert detail.operation is not None
    assert (detail.operation.type, detail.operation.stop, detail.operation.payload) == ("lend", "BM1-S01", {})
    assert detail.row.status == "voided" and detail.resolved_by
    page = admin_client.get(f"/staff/conflicts/{conflict.id}")
    assert page.status_code == 200
    assert "BM1-S01" in page.text and "保存期間" in page.text
    assert "T9999901" not in page.text and "誤スキャン" not in page.text  # the reason may name anything
