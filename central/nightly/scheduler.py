"""`central scheduler`: the nightly job every night at the configured time (default 02:00 Asia/Tokyo).

Three guarantees, three mechanisms:

- A missed run is caught up once. While the process runs but could not fire (machine asleep),
  APScheduler's `coalesce` and `misfire_grace_time` give one late run for any number of missed
  ones. When the process itself was down, APScheduler (memory job store) knows nothing of it, so
  on start the last scheduled time is compared with the runs recorded in the database; a night
  without a completed run is handed to APScheduler as an already-due run time - the same path.
- Runs never overlap in one process: `max_instances=1`.
- Two schedulers on one database never both run a night: the job takes the database lease
  (`central.nightly.lock`) and skips a date that already has a completed run.
"""

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from apscheduler.job import Job
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import undefined
from sqlalchemy import Engine

from central.db import new_session
from central.mail.transport import MailTransport
from central.nightly import runs
from central.nightly.errors import NightlyBusy
from central.nightly.job import NightlyReport, default_holder, run_nightly
from central.settings import Settings
from sync_protocol.timezone import TOKYO, tokyo_date, utc_now

logger = logging.getLogger("central.nightly")

JOB_ID = "nightly"


def nightly_trigger(settings: Settings) -> CronTrigger:
    """Every day at `settings.nightly_time`, Tokyo time (whatever the machine's own zone)."""
    return CronTrigger(hour=settings.nightly_time.hour, minute=settings.nightly_time.minute, timezone=TOKYO)


def missed_fire_time(
    trigger: CronTrigger, now: datetime, last_completed: date | None, grace: timedelta
) -> datetime | None:
    """The latest scheduled time in the last `grace` whose night has no completed run, if any."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - grace)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire)
    if latest is None or (last_completed is not None and last_completed >= tokyo_date(latest)):
        return None
    return latest


def scheduled_run(
    engine: Engine,
    settings: Settings,
    holder: str,
    clock: Callable[[], datetime] = utc_now,
    transport: MailTransport | None = None,
) -> NightlyReport | None:
    """What the scheduler fires: tonight's run, unless another runner has it or it is done."""
    try:
        return run_nightly(
            engine,
            settings,
            transport=transport,
            clock=clock,
            holder=holder,
            trigger="scheduler",
            once_per_date=True,
        )
    except NightlyBusy as busy:
        logger.info("nightly: skipped, %s", busy.en)
        return None


def add_nightly_job(
    scheduler: BaseScheduler,
    run: Callable[[], object],
    trigger: BaseTrigger,
    grace: timedelta,
    next_run_time: datetime | None = None,
) -> Job:
    """Register `run` with the overlap and catch-up rules; `next_run_time` in the past = run once now."""
    return scheduler.add_job(
        run,
        trigger,
        id=JOB_ID,
        name="nightly job",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(grace.total_seconds()),
        next_run_time=next_run_time or undefined,
        replace_existing=True,
    )


def schedule_nightly(
    scheduler: BaseScheduler,
    engine: Engine,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    holder: str | None = None,
    transport: MailTransport | None = None,
) -> tuple[Job, datetime | None]:
    """Add the nightly job to `scheduler`; returns it and the missed run time it will catch up, if any."""
    trigger = nightly_trigger(settings)
    grace = timedelta(hours=settings.nightly_misfire_grace_hours)
    with new_session(engine) as session:
        last_completed = runs.last_completed_date(session)
    missed = missed_fire_time(trigger, clock(), last_completed, grace)
    if missed is not None:
        logger.info("nightly: the run of %s was missed; catching up now", missed.astimezone(TOKYO))
    run = partial(scheduled_run, engine, settings, holder or default_holder(), clock, transport)
    return add_nightly_job(scheduler, run, trigger, grace, missed), missed
