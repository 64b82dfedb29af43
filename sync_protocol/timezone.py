"""Business dates are Tokyo dates; storage is UTC.

Every rule that speaks of "the day" (due dates, R5's next day, R1's school year) means the
calendar day in Asia/Tokyo, whatever the machine's own zone is.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive value is taken to be UTC already (as SQLite returns it)."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def tokyo_date(moment: datetime) -> date:
    """The Tokyo calendar day on which `moment` falls."""
    return as_utc(moment).astimezone(TOKYO).date()
