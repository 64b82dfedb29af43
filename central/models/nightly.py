"""The nightly job's own tables: the lock that keeps it single-runner, and the record of each run."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class JobLock(SQLModel, table=True):
    """A lease on a named job. Whoever holds an unexpired lease runs the job; everyone else waits.

    A lease, not a plain flag: a process that dies while holding it blocks the job only until
    `leased_until`, after which another scheduler may take over.
    """

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    acquired_at: datetime = Field(sa_type=UTCDateTime)
    leased_until: datetime = Field(sa_type=UTCDateTime)


class NightlyRun(SQLModel, table=True):
    """One run of the nightly job for a Tokyo business date, with its counts per step (JSON).

    A date with a "completed" run is not run again by the scheduler, so two schedulers on one
    database never both do the same night's work.
    """

    id: int | None = Field(default=None, primary_key=True)
    run_date: date = Field(index=True)
    holder: str = Field(max_length=128)
    trigger: str = Field(max_length=16)  # "manual" (central nightly) or "scheduler"
    status: str = Field(default="running", max_length=16)  # running, completed, failed
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    summary: str = Field(default="")  # JSON: {step: {counter: n}}, plus errors per step
