"""The record of nightly runs: one row per run, with its counts per step, kept in the database."""

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from central.models import NightlyRun
from central.services.context import transaction

RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"


def start(session: Session, run_date: date, holder: str, trigger: str, now: datetime) -> int:
    """Record that a run began (a run that dies stays "running": visible, and not "completed")."""
    with transaction(session):
        run = NightlyRun(run_date=run_date, holder=holder, trigger=trigger, status=RUNNING, started_at=now)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def finish(session: Session, run_id: int, status: str, summary: dict[str, Any], now: datetime) -> None:
    """Store the outcome and the summary (JSON) of a run."""
    with transaction(session):
        run = session.get(NightlyRun, run_id)
        assert run is not None
        run.status = status
        run.finished_at = now
        run.summary = json.dumps(summary, ensure_ascii=False)  # steps stay in run order
        session.add(run)


def completed_on(session: Session, run_date: date) -> bool:
    """True when a run for `run_date` completed (the scheduler then leaves that night alone)."""
    with transaction(session):
        found = session.exec(
            select(NightlyRun.id).where(NightlyRun.run_date == run_date, NightlyRun.status == COMPLETED)
        ).first()
        return found is not None


def last_completed_date(session: Session) -> date | None:
    """The latest business date a run completed for (the scheduler's catch-up looks at it)."""
    with transaction(session):
        return session.exec(select(func.max(NightlyRun.run_date)).where(NightlyRun.status == COMPLETED)).one()
