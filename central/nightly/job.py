"""The nightly job: its steps in order, under the database lock, with a summary logged and stored.

Every step is idempotent - running the job twice for one date changes and sends nothing more -
so a re-run after a failure, or a manual run after the scheduler's, is always safe. A step that
fails is logged and reported; the others still run (a broken mail server must not keep returned
loans from being forgotten).
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from central.db import new_session
from central.mail.transport import MailTransport, transport_from_settings
from central.models import Location
from central.nightly import conflicts, lock, notices, runs, steps
from central.nightly.errors import NightlyBusy
from central.nightly.night import Night, StepResult
from central.services.context import transaction
from central.settings import Settings
from sync_protocol.timezone import TOKYO, tokyo_date, utc_now

logger = logging.getLogger("central.nightly")

Step = Callable[[Night], StepResult]

# Order matters: expiry hands copies to the next holds before their ready notices are queued,
# conflicts are settled before the night forgets what undecided ones still need, and everything
# is queued before the mail goes out.
STEPS: tuple[tuple[str, Step], ...] = (
    ("activate_accounts", steps.activate_accounts),
    ("expire_holds", steps.expire_holds),
    ("hold_ready_notices", notices.hold_ready_notices),
    ("overdue_reminders", notices.overdue_reminders),
    ("settle_conflicts", conflicts.settle_conflicts),
    ("anonymise_loans", steps.anonymise_loans),
    ("forget_change_log", steps.forget_change_log),
    ("send_mail", steps.send_mail),
)


@dataclass
class NightlyReport:
    """The outcome of one run: counts per step, failed steps, and notes (mail errors)."""

    run_date: date
    status: str
    run_id: int | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def mail_failed(self) -> int:
        return self.counts.get("send_mail", {}).get("failed", 0)

    def summary(self) -> dict[str, Any]:
        """What is stored with the run (JSON) and logged."""
        return {"counts": self.counts, "errors": self.errors, "notes": self.notes}


def default_holder() -> str:
    """Who runs: host, process and a random tag (two schedulers in one process differ too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def business_instant(run_date: date, settings: Settings, clock: Callable[[], datetime]) -> datetime:
    """The instant the run acts at: now for today's run; the scheduled time of that night otherwise."""
    now = clock()
    if run_date == tokyo_date(now):
        return now
    return datetime.combine(run_date, settings.nightly_time, TOKYO).astimezone(UTC)


def _main_location_id(session: Session, settings: Settings) -> int | None:
    """The job acts at the main library (its audit rows say so), if that location exists yet."""
    with transaction(session):
        return session.exec(select(Location.id).where(Location.code == settings.main_location_code)).first()


def run_nightly(
    engine: Engine,
    settings: Settings,
    *,
    run_date: date | None = None,
    transport: MailTransport | None = None,
    clock: Callable[[], datetime] = utc_now,
    holder: str | None = None,
    trigger: str = "manual",
    once_per_date: bool = False,
) -> NightlyReport:
    """Run every step for `run_date` (default: today in Tokyo) under the job lock.

    Raises `NightlyBusy` when another process holds the lock. With `once_per_date` (the
    scheduler), a date that already has a completed run is skipped.
    """
    day = run_date or tokyo_date(clock())
    who = holder or default_holder()
    lease = timedelta(minutes=settings.nightly_lock_minutes)
    with new_session(engine) as session:
        if not lock.acquire(session, lock.NIGHTLY, who, clock(), lease):
            current = lock.holder_of(session, lock.NIGHTLY)
            raise NightlyBusy.held_by(current.holder if current else "?", current.leased_until if current else None)
        try:
            if once_per_date and runs.completed_on(session, day):
                logger.info("nightly %s: already completed; nothing to do", day)
                return NightlyReport(day, "skipped")
            night = Night(
                session=session,
                settings=settings,
                run_date=day,
                now=business_instant(day, settings, clock),
                location_id=_main_location_id(session, settings),
                transport=transport or transport_from_settings(settings),
                clock=clock,
            )
            return _run_steps(night, who, trigger, lease)
        finally:
            lock.release(session, lock.NIGHTLY, who, clock())


def _run_steps(night: Night, holder: str, trigger: str, lease: timedelta) -> NightlyReport:
    run_id = runs.start(night.session, night.run_date, holder, trigger, night.clock())
    report = NightlyReport(night.run_date, runs.RUNNING, run_id)
    logger.info("nightly %s: started (%s, %s)", night.run_date, trigger, holder)
    for name, step in STEPS:
        if not lock.renew(night.session, lock.NIGHTLY, holder, night.clock(), lease):
            report.errors[name] = "lost the job lock (lease expired and taken over); stopped"
            break
        try:
            result = step(night)
        except Exception as error:  # a failed step is reported; the other steps still run
            logger.exception("nightly %s: step %s failed", night.run_date, name)
            report.errors[name] = f"{type(error).__name__}: {error}"
            continue
        report.counts[name] = result.counts
        if result.notes:
            report.notes[name] = result.notes
        logger.info("nightly %s: %s %s", night.run_date, name, result.counts)
    report.status = runs.FAILED if report.errors else runs.COMPLETED
    runs.finish(night.session, run_id, report.status, report.summary(), night.clock())
    _log_outcome(report)
    return report


def _log_outcome(report: NightlyReport) -> None:
    if report.errors:
        logger.error("nightly %s: failed steps %s", report.run_date, sorted(report.errors))
    if report.mail_failed:
        logger.warning(
            "nightly %s: %d message(s) not sent, retried next run: %s",
            report.run_date,
            report.mail_failed,
            "; ".join(report.notes.get("send_mail", [])),
        )
    logger.info("nightly %s: %s", report.run_date, report.status)
