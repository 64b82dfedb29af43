"""APScheduler and the database lock: a missed night is caught up once, runs never overlap, and two
schedulers on one database run a night once. Real schedulers, real time, short intervals."""

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlmodel import select

from central.db import make_engine, new_session
from central.mail.transport import OutboxTransport
from central.models import NightlyRun
from central.nightly import lock
from central.nightly.errors import NightlyBusy
from central.nightly.job import run_nightly
from central.nightly.scheduler import add_nightly_job, missed_fire_time, nightly_trigger, schedule_nightly
from central.settings import Settings
from sync_protocol.timezone import TOKYO, utc_now
from tests.central.test_nightly_support import settings_for

LEASE = timedelta(minutes=5)


def _missed_an_hour_ago(engine: Engine, tmp_path: Path) -> Settings:
    """The nightly time was an hour ago (Tokyo): a scheduler starting now finds tonight's run missed."""
    an_hour_ago = (datetime.now(TOKYO) - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return settings_for(engine, tmp_path, nightly_time=an_hour_ago)


class _Executions:
    """Counts the scheduler's finished job executions and keeps their return values."""

    def __init__(self, scheduler: BackgroundScheduler) -> None:
        self.results: list[Any] = []
        self._changed = threading.Condition()
        scheduler.add_listener(self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _on_event(self, event: JobExecutionEvent) -> None:
        with self._changed:
            self.results.append(event.exception or event.retval)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.results) >= count, timeout)


def _runs(engine: Engine) -> list[NightlyRun]:
    with new_session(engine) as session:
        return list(session.exec(select(NightlyRun)))


def test_scheduler_catches_up_a_missed_night_once(engine: Engine, tmp_path: Path) -> None:
    settings = _missed_an_hour_ago(engine, tmp_path)
    scheduler = BackgroundScheduler(timezone=TOKYO)
    executions = _Executions(scheduler)
    job, missed = schedule_nightly(scheduler, engine, settings, transport=OutboxTransport(settings.mail_outbox))
    assert missed is not None and missed < utc_now()
    scheduler.start()
    try:
        assert executions.wait_for(1)
        time.sleep(0.3)
        assert len(executions.results) == 1
        assert job.next_run_time > datetime.now(TOKYO) + timedelta(hours=22)  # next: tomorrow night
    finally:
        scheduler.shutdown()
    assert [(r.status, r.trigger) for r in _runs(engine)] == [("completed", "scheduler")]
    _, missed_again = schedule_nightly(BackgroundScheduler(timezone=TOKYO), engine, settings)
    assert missed_again is None  # restarted after the catch-up: nothing left to catch up


def test_scheduler_runs_several_missed_nights_as_one_run(engine: Engine, tmp_path: Path) -> None:
    settings = _missed_an_hour_ago(engine, tmp_path)
    trigger = nightly_trigger(settings)
    grace = timedelta(hours=settings.nightly_misfire_grace_hours)
    last_night = missed_fire_time(trigger, utc_now(), None, grace)
    assert last_night is not None
    calls: list[float] = []
    scheduler = BackgroundScheduler(timezone=TOKYO)
    executions = _Executions(scheduler)
    # Asleep for three nights: the job was due three days ago and every night since.
    add_nightly_job(scheduler, lambda: calls.append(time.monotonic()), trigger, grace, last_night - timedelta(days=3))
    scheduler.start()
    try:
        assert executions.wait_for(1)
        time.sleep(0.3)
    finally:
        scheduler.shutdown()
    assert len(calls) == 1


def test_scheduler_never_runs_the_job_twice_at_once() -> None:
    guard = threading.Lock()
    state = {"running": 0, "peak": 0, "runs": 0}

    def slow_run() -> None:
        with guard:
            state["running"] += 1
            state["runs"] += 1
            state["peak"] = max(state["peak"], state["running"])
        time.sleep(0.4)
        with guard:
            state["running"] -= 1

    scheduler = BackgroundScheduler(timezone=TOKYO)
    executions = _Executions(scheduler)
    add_nightly_job(scheduler, slow_run, IntervalTrigger(seconds=0.1), timedelta(hours=1))
    scheduler.start()
    try:
        assert executions.wait_for(2)
    finally:
        scheduler.shutdown()
    assert state["peak"] == 1 and state["runs"] >= 2


def test_two_schedulers_on_one_database_run_the_night_once(engine: Engine, tmp_path: Path) -> None:
    settings = _missed_an_hour_ago(engine, tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    schedulers = [BackgroundScheduler(timezone=TOKYO) for _ in engines]
    executions = [_Executions(s) for s in schedulers]
    try:
        for number, (scheduler, own_engine) in enumerate(zip(schedulers, engines, strict=True)):
            schedule_nightly(scheduler, own_engine, settings, holder=f"scheduler-{number}")
        for scheduler in schedulers:
            scheduler.start()
        assert all(e.wait_for(1) for e in executions)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown()
        for own_engine in engines:
            own_engine.dispose()
    outcomes = [result.status if result else "busy" for e in executions for result in e.results]
    assert sorted(outcomes) in (["busy", "completed"], ["completed", "skipped"])
    assert [r.status for r in _runs(engine)] == ["completed"]


def test_lock_lease_is_exclusive_until_it_expires(engine: Engine) -> None:
    now = utc_now()
    with new_session(engine) as one, new_session(engine) as other:
        assert lock.acquire(one, lock.NIGHTLY, "a", now, LEASE)
        assert not lock.acquire(other, lock.NIGHTLY, "b", now + timedelta(minutes=4), LEASE)
        assert lock.acquire(one, lock.NIGHTLY, "a", now + timedelta(minutes=4), LEASE)  # the holder extends it
        assert lock.acquire(other, lock.NIGHTLY, "b", now + timedelta(minutes=10), LEASE)  # expired: taken over
        assert not lock.renew(one, lock.NIGHTLY, "a", now + timedelta(minutes=10), LEASE)
        lock.release(other, lock.NIGHTLY, "b", now + timedelta(minutes=11))
        assert lock.acquire(one, lock.NIGHTLY, "a", now + timedelta(minutes=11), LEASE)


def test_lock_taken_by_many_processes_at_once_has_one_winner(engine: Engine) -> None:
    contenders = 8
    barrier = threading.Barrier(contenders)
    now = utc_now()

    def contend(number: int) -> bool:
        with new_session(engine) as session:
            barrier.wait()
            return lock.acquire(session, lock.NIGHTLY, f"p{number}", now, LEASE)

    results: list[bool] = []
    threads = [threading.Thread(target=lambda n=n: results.append(contend(n))) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [False] * (contenders - 1) + [True]


def test_a_manual_run_while_another_process_holds_the_lock_is_refused(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(engine, tmp_path)
    with new_session(engine) as session:
        assert lock.acquire(session, lock.NIGHTLY, "other-host:42", utc_now(), LEASE)
    with pytest.raises(NightlyBusy) as refused:
        run_nightly(engine, settings)
    assert refused.value.code == "nightly_busy" and "other-host:42" in refused.value.ja
    assert _runs(engine) == []
