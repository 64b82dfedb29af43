"""The nightly steps that change circulation state: R5 activation, hold expiry, forgetting loans and
closed holds, and sending the mail the notice steps queued. Each is idempotent and one use case
(transaction).
"""

from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlmodel import col, select

from central.mail import ledger
from central.mail.delivery import deliver_pending
from central.models import Hold, HoldStatus
from central.nightly.night import Night, StepResult
from central.nightly.notices import HOLD_READY, OVERDUE_PREFIX
from central.services import changelog
from central.services.context import transaction
from central.services.holds import expire_hold
from central.services.housekeeping import (
    activate_due_accounts,
    anonymise_closed_holds,
    anonymise_returned_loans,
    forget_operation_bodies,
)
from sync_protocol.timezone import TOKYO


def activate_accounts(night: Night) -> StepResult:
    """R5: internet-service applications taken in from vans become active from the next day on."""
    activated = activate_due_accounts(night.service_ctx())
    return StepResult({"activated": len(activated)})


def expire_holds(night: Night) -> StepResult:
    """Holds left uncollected past their last pickup day expire; each copy passes on or is shelved.

    Runs before the hold-ready notices, so a hold that receives a copy tonight is told tonight.
    """
    ctx = night.service_ctx()
    outcome: Counter[str] = Counter()
    with transaction(night.session):
        overdue_pickups = night.session.exec(
            select(Hold)
            .where(Hold.status == HoldStatus.READY, col(Hold.pickup_deadline) < night.run_date)
            .order_by(col(Hold.id))
        ).all()
        for hold in overdue_pickups:
            served = expire_hold(ctx, hold)
            outcome["expired"] += 1
            if served is None:
                outcome["to_shelf"] += 1
            else:
                outcome["ready_for_next" if served.status == HoldStatus.READY else "in_transit_to_next"] += 1
    return StepResult({key: outcome[key] for key in ("expired", "ready_for_next", "in_transit_to_next", "to_shelf")})


def anonymisation_cutoff(night: Night) -> datetime:
    """Loans returned, holds closed and van operations taken in before this instant are forgotten:
    see `forgetting_cutoff`."""
    return forgetting_cutoff(night.run_date, night.settings.loan_history_grace_days)


def forgetting_cutoff(run_date: date, grace_days: int) -> datetime:
    """The end of the Tokyo day `grace_days` before `run_date`.

    With the default grace of 0 days that is the end of the run's own date, i.e. every loan
    returned so far: the library keeps no reading history.
    """
    last_day = run_date - timedelta(days=grace_days)
    return datetime.combine(last_day + timedelta(days=1), time(0), TOKYO)


def anonymise_loans(night: Night) -> StepResult:
    """No reading history: returned loans and closed holds lose their patron, their reminders and
    hold-ready notices are deleted (with their .eml files, when mail is written to a folder), and
    the van operations taken in before the same cutoff lose their bodies (which name card and
    barcode, or a new patron's details), except those an undecided conflict still needs."""
    cutoff = anonymisation_cutoff(night)
    with transaction(night.session):
        loan_ids = anonymise_returned_loans(night.service_ctx(), cutoff)
        hold_ids = anonymise_closed_holds(night.service_ctx(), cutoff)
        notices = ledger.forget(night.session, OVERDUE_PREFIX, loan_ids)
        notices += ledger.forget(night.session, HOLD_READY, hold_ids)
        operations = forget_operation_bodies(night.service_ctx(), cutoff)
    # Once the notices are gone for good (committed): a file is deleted only when its notice is.
    with transaction(night.session):
        files = ledger.forget_files(night.session, night.settings.mail_outbox)
    return StepResult(
        {
            "anonymised": len(loan_ids),
            "holds_anonymised": len(hold_ids),
            "notices_deleted": len(notices),
            "mail_files_deleted": files,
            "operations_forgotten": operations,
        }
    )


def forget_change_log(night: Night) -> StepResult:
    """No reading history: the change log the vans pull from forgets what it held
    `change_log_days` whole days ago (`changelog.forget_before`), after tonight's anonymisation
    has been logged."""
    cutoff = forgetting_cutoff(night.run_date, night.settings.change_log_days)
    return StepResult({"forgotten": changelog.forget_before(night.service_ctx(), cutoff, night.clock())})


def send_mail(night: Night) -> StepResult:
    """Send every pending e-mail notice; what fails stays pending for the next run, and is reported."""
    report = deliver_pending(night.session, night.settings, night.transport, night.clock)
    return StepResult({"sent": report.sent, "failed": report.failed}, notes=report.errors)
