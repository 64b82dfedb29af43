"""No reading history ("Beyond the page") for what the vans send: once the nightly job has run,
central keeps no operation body that names a patron's card and a copy's barcode, or a patron's
details. The operation rows stay (hash, id, outcome), so a batch sent again is still recognised
(B3) and a restored node still caught (SPEC 9); route statistics still count each stop's visits."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.db import new_session
from central.models import AuditEntry, Bib, Conflict, ConflictStatus, Item, Loan, NodeStatus, Patron, SyncOperation
from central.nightly.job import NightlyReport
from central.services.context import ServiceContext
from central.services.route_stats import route_stats
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
from tests.central.migrating import downgrade
from tests.central.test_nightly_support import run_on, settings_for, tokyo_night
from tests.sync.conftest import NOW, VanOutbox, reload

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
MakePatron = Callable[..., Patron]
DUE = date(2026, 6, 24)
DAY = date(2026, 6, 10)  # NOW's Tokyo date: the van sends its operations at 18:00 that day
NIGHT = date(2026, 6, 11)  # the first nightly job after that


def _operations(engine: Engine) -> list[SyncOperation]:
    with new_session(engine) as session:
        return list(session.exec(select(SyncOperation).order_by(col(SyncOperation.id))))


def _night(engine: Engine, tmp_path: Path, day: date = NIGHT, **settings: object) -> NightlyReport:
    report = run_on(engine, settings_for(engine, tmp_path, **settings), day)
    assert not report.errors, report.errors
    return report


def test_no_reading_history_a_van_lend_and_return_leave_no_card_or_barcode_in_the_operations_after_the_night(
    engine: Engine, tmp_path: Path, van: VanOutbox, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    lent = van.op(ops.Lend(patron.card_number, copy.barcode, DUE))
    returned = van.op(ops.Return(copy.barcode), at=NOW + timedelta(hours=1))
    first_receipt = van.send(lent)
    van.send(returned)
    assert all(patron.card_number in op.body or copy.barcode in op.body for op in _operations(engine))

    report = _night(engine, tmp_path)

    assert report.counts["anonymise_loans"] == {
        "anonymised": 1,
        "holds_anonymised": 0,
        "notices_deleted": 0,
        "mail_files_deleted": 0,
        "operations_forgotten": 2,
    }
    kept = _operations(engine)
    assert [op.body for op in kept if patron.card_number in op.body or copy.barcode in op.body] == []
    assert [(op.op_id, op.sha256, op.type, op.outcome) for op in kept] == [
        (lent.op_id, lent.sha256(), "lend", Outcome.APPLIED),
        (returned.op_id, returned.sha256(), "return", Outcome.APPLIED),
    ]
    with new_session(engine) as fresh:
        (forgetting,) = fresh.exec(select(AuditEntry).where(AuditEntry.action == "sync_operation.forget")).all()
    assert json.loads(forgetting.after) == {
        "operations": 2,
        "received_before": "2026-06-12T00:00:00+09:00",
    }

    # B3 still holds: the same batch again gets its stored receipt; both operations in a new batch
    # are recognised by their hash as duplicates; nothing is applied twice, the node stays trusted.
    again = NOW + timedelta(days=1, hours=8)
    assert van.send(lent, received=again) == first_receipt
    overlapping = van.send(lent, returned, received=again)
    assert [r.outcome for r in overlapping.operations] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    with new_session(engine) as fresh:
        loans = fresh.exec(select(Loan).where(Loan.item_id == copy.id)).all()
    assert [(loan.patron_id, loan.returned_at is not None) for loan in loans] == [(None, True)]
    assert len(_operations(engine)) == 2
    assert reload(session, van.node).status == NodeStatus.ACTIVE


def test_no_reading_history_a_van_registration_leaves_no_personal_details_in_the_operations_after_the_night(
    engine: Engine, tmp_path: Path, van: VanOutbox
) -> None:
    registration = ops.RegisterPatron(
        "80000001", "琉球花子", "りゅうきゅうはなこ", date(1985, 3, 3), "宜野湾市大山1-2-3", "098-111-2222", None
    )
    van.send(van.op(registration))
    assert "宜野湾市大山1-2-3" in _operations(engine)[0].body

    _night(engine, tmp_path)

    (operation,) = _operations(engine)
    assert (operation.type, operation.outcome, operation.body) == ("register_patron", Outcome.APPLIED, "")


def test_no_reading_history_operation_bodies_are_kept_for_the_configured_grace_period(
    engine: Engine, tmp_path: Path, van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, copy.barcode, DUE)))  # received on 2026-06-10
    for day in (date(2026, 6, 11), date(2026, 6, 12)):
        assert _night(engine, tmp_path, day, loan_history_grace_days=3).counts["anonymise_loans"] == {
            "anonymised": 0,
            "holds_anonymised": 0,
            "notices_deleted": 0,
            "mail_files_deleted": 0,
            "operations_forgotten": 0,
        }
    assert copy.barcode in _operations(engine)[0].body
    report = _night(engine, tmp_path, date(2026, 6, 13), loan_history_grace_days=3)
    assert report.counts["anonymise_loans"]["operations_forgotten"] == 1
    assert _operations(engine)[0].body == ""


def test_spec9_a_node_restored_from_an_old_backup_is_quarantined_after_the_night_forgot_the_bodies(
    engine: Engine, tmp_path: Path, van: VanOutbox, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (first, second) = make_title(copies=2)
    van.send(van.op(ops.Lend(patron.card_number, first.barcode, DUE)))
    _night(engine, tmp_path)
    (prior,) = _operations(engine)
    assert prior.body == ""

    van.seq = 0  # the backup was taken before seq 1
    again = tokyo_night(NIGHT) + timedelta(hours=8)
    receipt = van.send(van.op(ops.Lend(patron.card_number, second.barcode, DUE)), received=again)

    assert receipt.operations[0].outcome == Outcome.CONFLICT
    assert reload(session, van.node).status == NodeStatus.QUARANTINED
    with new_session(engine) as fresh:
        (conflict,) = fresh.exec(select(Conflict).where(Conflict.kind == "restored_node")).all()
    assert conflict.status == ConflictStatus.OPEN
    assert json.loads(conflict.central_facts) == {"seq": 1, "sha256": prior.sha256, "body": None}


def test_issue10_route_statistics_still_count_a_visit_after_the_night_forgot_the_bodies(
    engine: Engine, tmp_path: Path, van: VanOutbox, session: Session, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, copy.barcode, DUE)), van.op(ops.Return(copy.barcode)))
    _night(engine, tmp_path)
    assert {op.body for op in _operations(engine)} == {""}

    stats = route_stats(session, DAY, DAY)

    assert [(v.stop_code, v.day, v.counts["lends"], v.counts["returns"]) for v in stats.visits] == [
        ("BM1-S01", DAY, 1, 1)
    ]


def test_no_reading_history_the_schema_cannot_go_back_to_a_revision_that_needs_the_forgotten_bodies(
    engine: Engine, tmp_path: Path, van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy,) = make_title()
    van.send(van.op(ops.Lend(patron.card_number, copy.barcode, DUE)))
    _night(engine, tmp_path)

    with pytest.raises(RuntimeError, match="cannot downgrade below 0013"):
        downgrade(engine, "0012")

    assert [op.stop_code for op in _operations(engine)] == ["BM1-S01"]  # nothing was undone
