"""Where the node gets the time from, so tests and the crash child can fix it.

Business dates are Tokyo dates (sync_protocol.timezone); storage is UTC.
"""

from datetime import date, datetime
from typing import Protocol

from sync_protocol.timezone import tokyo_date, utc_now


class Clock(Protocol):
    """Gives the current instant, timezone-aware in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The laptop's own clock. It may be wrong (disagreement 8): the HLC and central cope with that."""

    def now(self) -> datetime:
        return utc_now()


def today(clock: Clock) -> date:
    """The Tokyo calendar day, which is what due dates and R1 speak of."""
    return tokyo_date(clock.now())
