"""No reading history, for the change log the vans pull from (B6).

A desk lend writes its "roster" entry (the patron) and its "items" entry (the copy) in one
transaction, so in rows with consecutive ids: kept for good, the log would pair them long after
the loan itself forgot its patron. The nightly job forgets what the log held
`CENTRAL_CHANGE_LOG_DAYS` whole days earlier, except its newest entry (ids must keep growing past
every cursor a van holds).
"""

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import col, select

from central.db import new_session
from central.models import AuditEntry, ChangeLogEntry, ChangeLogMark
from central.services.changelog import unpack_keys
from central.services.circulation import lend
from tests.central.conftest import NOW
from tests.central.test_nightly_support import Ctx, MakePatron, MakeTitle, run_on, settings_for, tokyo_night

LEND_DAY = date(2026, 6, 10)  # NOW's Tokyo date


def _entries(engine: Engine) -> list[tuple[int, str, list[int]]]:
    with new_session(engine) as session:
        rows = session.exec(select(ChangeLogEntry).order_by(col(ChangeLogEntry.id))).all()
        return [(row.id, row.scope, unpack_keys(row.keys)) for row in rows]  # type: ignore[misc]


def _naming(engine: Engine, scope: str, key: int | None) -> list[int]:
    """The ids of the entries that name `key` in `scope`."""
    return [entry_id for entry_id, in_scope, keys in _entries(engine) if in_scope == scope and key in keys]


def _forgotten(engine: Engine, tmp_path: Path, day: date, days: int = 2) -> int:
    report = run_on(engine, settings_for(engine, tmp_path, change_log_days=days), day)
    assert not report.errors, report.errors
    return report.counts["forget_change_log"]["forgotten"]


def test_no_reading_history_the_change_log_forgets_a_lend_once_its_window_has_passed(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    patron = make_patron()
    _, (copy, later_copy) = make_title(copies=2)
    lend(ctx(), patron, copy.barcode)
    assert _naming(engine, "roster", patron.id) and _naming(engine, "items", copy.id)

    assert _forgotten(engine, tmp_path, LEND_DAY + timedelta(days=1)) == 0  # marks where the log stands
    assert _forgotten(engine, tmp_path, LEND_DAY + timedelta(days=2)) == 0  # within the 2 days
    assert _naming(engine, "roster", patron.id) and _naming(engine, "items", copy.id)
    lend(ctx(now=NOW + timedelta(days=2)), make_patron(), later_copy.barcode)
    newest_before = _entries(engine)[-1][0]

    forgotten = _forgotten(engine, tmp_path, LEND_DAY + timedelta(days=3))

    assert forgotten > 0
    assert _naming(engine, "roster", patron.id) == [] and _naming(engine, "items", copy.id) == []
    assert _naming(engine, "items", later_copy.id)  # newer than the window: kept for the vans
    with new_session(engine) as session:
        (audit,) = session.exec(select(AuditEntry).where(AuditEntry.action == "change_log.forget")).all()
        assert f'"entries":{forgotten}' in audit.after
    assert _entries(engine)[-1][0] == newest_before
    assert _forgotten(engine, tmp_path, LEND_DAY + timedelta(days=3)) == 0  # a second run: nothing more


def test_b6_the_change_log_keeps_its_newest_entry_so_ids_never_fall_below_a_vans_cursor(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """SQLite gives a new row the highest id plus one: an emptied log would count again from 1."""
    _, (copy, next_copy) = make_title(copies=2)
    lend(ctx(), make_patron(), copy.barcode)
    cursor = _entries(engine)[-1][0]  # what a van pulling now is handed

    _forgotten(engine, tmp_path, LEND_DAY, days=0)
    _forgotten(engine, tmp_path, LEND_DAY + timedelta(days=1), days=0)

    assert [entry_id for entry_id, _, _ in _entries(engine)] == [cursor]
    lend(ctx(now=NOW + timedelta(days=1)), make_patron(), next_copy.barcode)
    assert min(entry_id for entry_id, _, _ in _entries(engine)[1:]) > cursor
    with new_session(engine) as session:
        marks = session.exec(select(func.count()).select_from(ChangeLogMark)).one()
    assert marks <= 2  # the mark forgotten through, and tonight's


def test_b6_re_running_a_past_night_does_not_make_the_next_night_forget_recent_entries(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """An operator re-runs the night of 30 days ago today (`central nightly --date`): the log's
    position is marked as of now, not as of that night, so tomorrow's night keeps today's entries."""
    settings = settings_for(engine, tmp_path, change_log_days=14)
    _, copies = make_title(copies=3)
    for copy in copies:
        lend(ctx(), make_patron(), copy.barcode)
    before = _entries(engine)
    today = tokyo_night(LEND_DAY)

    past = run_on(engine, settings, LEND_DAY - timedelta(days=30), clock=lambda: today)
    tomorrow = run_on(engine, settings, LEND_DAY + timedelta(days=1))

    assert not past.errors and not tomorrow.errors
    assert tomorrow.counts["forget_change_log"]["forgotten"] == 0
    assert _entries(engine)[: len(before)] == before
