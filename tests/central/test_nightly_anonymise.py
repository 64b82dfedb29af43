"""No reading history ("Beyond the page"): after the nightly job a returned loan names no patron."""

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import col, select

from central.db import new_session
from central.models import AuditEntry, Loan, Notice, Patron
from central.services.circulation import lend, patron_loan, renew, return_item
from central.services.housekeeping import ANONYMOUS_PATRON
from tests.central.conftest import NOW
from tests.central.test_nightly_support import Ctx, MakePatron, MakeTitle, free_port, fresh, run_on, settings_for


def _borrowers_of(engine: Engine, item_id: int | None) -> list[str]:
    """Every patron any table still ties to loans of this copy."""
    with new_session(engine) as session:
        by_loan = session.exec(
            select(Patron.name).join(Loan, col(Loan.patron_id) == Patron.id).where(Loan.item_id == item_id)
        ).all()
        loan_ids = [str(i) for i in session.exec(select(Loan.id).where(Loan.item_id == item_id))]
        by_audit = session.exec(
            select(AuditEntry.actor).where(
                AuditEntry.object_type == "loan",
                col(AuditEntry.object_id).in_(loan_ids),
                col(AuditEntry.actor).startswith("patron:"),
                AuditEntry.actor != ANONYMOUS_PATRON,
            )
        ).all()
        by_notice = session.exec(
            select(Notice.patron_id).where(
                col(Notice.event).startswith("overdue_"), col(Notice.object_id).in_([int(i) for i in loan_ids])
            )
        ).all()
    return [*by_loan, *by_audit, *(str(p) for p in by_notice)]


def test_no_reading_history_returned_loan_cannot_be_joined_to_its_borrower_after_the_job(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    patron = make_patron(name="読書家")
    _, (copy,) = make_title()
    loan = lend(ctx(), patron, copy.barcode)
    renew(ctx(actor=f"patron:{patron.id}"), patron_loan(ctx(), patron, loan.id))  # type: ignore[arg-type]
    run_on(engine, settings, date(2026, 6, 25))  # 1 day overdue: a reminder names the loan
    assert set(_borrowers_of(engine, copy.id)) == {"読書家", f"patron:{patron.id}", str(patron.id)}
    assert len(list(settings.mail_outbox.glob("*.eml"))) == 1  # the reminder, written to the folder
    return_item(ctx(now=NOW + timedelta(days=15)), copy.barcode)

    report = run_on(engine, settings, date(2026, 6, 26))

    assert report.counts["anonymise_loans"] == {
        "anonymised": 1,
        "holds_anonymised": 0,
        "notices_deleted": 1,
        "mail_files_deleted": 1,
        "operations_forgotten": 0,
    }
    assert _borrowers_of(engine, copy.id) == []
    assert list(settings.mail_outbox.glob("*.eml")) == []  # its .eml went with the notice
    kept = fresh(engine, Loan, loan.id)
    assert (kept.patron_id, kept.item_id, kept.returned_at is not None) == (None, copy.id, True)
    with new_session(engine) as session:  # statistics keep their counts
        assert session.exec(select(func.count()).select_from(Loan)).one() == 1


def test_no_reading_history_open_loans_keep_their_borrower(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path)
    _, (kept_copy, returned_copy) = make_title(copies=2)
    patron = make_patron()
    open_loan = lend(ctx(), patron, kept_copy.barcode)
    lend(ctx(), patron, returned_copy.barcode)
    return_item(ctx(), returned_copy.barcode)
    assert run_on(engine, settings, date(2026, 6, 10)).counts["anonymise_loans"]["anonymised"] == 1
    assert fresh(engine, Loan, open_loan.id).patron_id == patron.id


def test_no_reading_history_grace_period_keeps_the_link_for_the_configured_days(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    settings = settings_for(engine, tmp_path, loan_history_grace_days=3)
    _, (copy,) = make_title()
    loan = lend(ctx(), make_patron(), copy.barcode)
    return_item(ctx(), copy.barcode)  # returned on 2026-06-10
    for day in (date(2026, 6, 10), date(2026, 6, 12)):
        assert run_on(engine, settings, day).counts["anonymise_loans"]["anonymised"] == 0
    assert fresh(engine, Loan, loan.id).patron_id is not None
    assert run_on(engine, settings, date(2026, 6, 13)).counts["anonymise_loans"]["anonymised"] == 1
    assert fresh(engine, Loan, loan.id).patron_id is None


def test_no_reading_history_only_the_forgotten_loans_reminders_leave_the_mail_folder(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """Without SMTP, notices are written as .eml files: the reminder of a returned loan goes with
    its notice, the reminder of a loan still out stays."""
    settings = settings_for(engine, tmp_path)
    _, (kept_copy, returned_copy) = make_title(copies=2)
    lend(ctx(), make_patron(), kept_copy.barcode)
    lend(ctx(), make_patron(), returned_copy.barcode)
    run_on(engine, settings, date(2026, 6, 25))  # both 1 day overdue: two reminders
    files = sorted(settings.mail_outbox.glob("*.eml"))
    assert len(files) == 2
    return_item(ctx(now=NOW + timedelta(days=15)), returned_copy.barcode)

    report = run_on(engine, settings, date(2026, 6, 26))

    assert report.counts["anonymise_loans"]["mail_files_deleted"] == 1
    (left,) = settings.mail_outbox.glob("*.eml")
    assert left in files
    with new_session(engine) as session:
        (notice,) = session.exec(select(Notice)).all()
    assert left.stem.endswith(f"notice-{notice.id}")


def test_no_reading_history_a_reminder_file_goes_even_when_the_night_that_forgets_it_sends_by_smtp(
    engine: Engine, tmp_path: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    """The library configured SMTP after some nights of writing files: the night deletes the file
    of every notice that no longer exists, not only through the way it sends its own mail."""
    settings = settings_for(engine, tmp_path)
    _, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    run_on(engine, settings, date(2026, 6, 25))
    assert len(list(settings.mail_outbox.glob("*.eml"))) == 1
    return_item(ctx(now=NOW + timedelta(days=15)), copy.barcode)
    with_smtp = settings_for(engine, tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())  # nothing listens

    report = run_on(engine, with_smtp, date(2026, 6, 26), transport=None)

    assert report.counts["anonymise_loans"]["mail_files_deleted"] == 1
    assert list(settings.mail_outbox.glob("*.eml")) == []
