"""A lease on a job, in the database, so two schedulers on one database never run it at once.

Taking the lease is one conditional UPDATE (free, expired, or already ours) or, the first time,
one INSERT that the primary key makes fail for all but one process. Both are atomic on SQLite
(BEGIN IMMEDIATE) and PostgreSQL alike, so no two processes can both believe they hold it.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from central.models import JobLock
from central.services.context import transaction

NIGHTLY = "nightly"


def acquire(session: Session, name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """Take (or extend) the lease on `name` until `now + lease`; False when someone else holds it."""
    with transaction(session):
        result = session.exec(
            update(JobLock)
            .where(JobLock.name == name, or_(JobLock.leased_until <= now, JobLock.holder == holder))
            .values(holder=holder, acquired_at=now, leased_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return True
        if session.get(JobLock, name) is not None:
            return False
        try:
            with session.begin_nested():
                session.add(JobLock(name=name, holder=holder, acquired_at=now, leased_until=now + lease))
        except IntegrityError:
            return False
        return True


def renew(session: Session, name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """Extend our lease; False when it expired and another process took the job over meanwhile."""
    with transaction(session):
        result = session.exec(
            update(JobLock)
            .where(JobLock.name == name, JobLock.holder == holder)
            .values(leased_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def release(session: Session, name: str, holder: str, now: datetime) -> None:
    """Give the lease up now (only if it is still ours)."""
    with transaction(session):
        session.exec(
            update(JobLock)
            .where(JobLock.name == name, JobLock.holder == holder)
            .values(leased_until=now)
            .execution_options(synchronize_session=False)
        )


def holder_of(session: Session, name: str) -> JobLock | None:
    """The current lease on `name`, for messages ("running in process X until ...")."""
    with transaction(session):
        lock = session.exec(select(JobLock).where(JobLock.name == name)).first()
        if lock is not None:
            session.expunge(lock)
        return lock
