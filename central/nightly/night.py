"""What every nightly step gets: the session, the settings, the business date and instant of the run."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from central.mail.templates import Letterhead
from central.mail.transport import MailTransport
from central.services.context import ServiceContext
from central.settings import Settings

ACTOR = "system:nightly"


@dataclass(frozen=True)
class Night:
    """One run of the job for `run_date`.

    `now` is the business instant of the run (a past night's, when an operator re-runs one with
    --date); `clock` is the real time, for what really happens now (the Date of a sent message).
    """

    session: Session
    settings: Settings
    run_date: date
    now: datetime
    location_id: int | None
    transport: MailTransport
    clock: Callable[[], datetime]

    def service_ctx(self) -> ServiceContext:
        """The context service calls run in: the nightly actor, at the main library, at `now`."""
        return ServiceContext(self.session, self.settings.policy(), ACTOR, self.location_id, self.now)

    @property
    def letterhead(self) -> Letterhead:
        return Letterhead(self.settings.library_name, self.settings.library_phone)


@dataclass
class StepResult:
    """What a step did: counters for the summary, and notes worth an operator's eye (mail errors)."""

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
