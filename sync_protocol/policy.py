"""Circulation policy and the library calendar: configuration, not code.

Central owns the values and sends them to every van (B6), so both sides compute the same due
dates and limits offline.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Calendar:
    """The days the library is closed: weekdays (0 = Monday) and single dates."""

    closed_weekdays: frozenset[int] = frozenset()
    closed_dates: frozenset[date] = frozenset()

    def is_open(self, day: date) -> bool:
        """True when the library is open on `day`."""
        return day.weekday() not in self.closed_weekdays and day not in self.closed_dates

    def next_open_day(self, day: date) -> date:
        """`day` itself when open, otherwise the first open day after it (at most a year on)."""
        for offset in range(366):
            candidate = day + timedelta(days=offset)
            if self.is_open(candidate):
                return candidate
        raise ValueError("the calendar has no open day within a year")

    def add_open_days(self, day: date, count: int) -> date:
        """The `count`-th open day after `day` (hold pickup periods count open days)."""
        current = day
        for _ in range(count):
            current = self.next_open_day(current + timedelta(days=1))
        return current


@dataclass(frozen=True)
class CirculationPolicy:
    """Loan periods and limits. Defaults follow the library's page (R9: renewal = 14 days, once)."""

    loan_days: int = 14
    renewal_days: int = 14
    max_renewals: int = 1
    max_loans: int = 10
    max_holds: int = 10
    hold_pickup_open_days: int = 7
    calendar: Calendar = field(default_factory=Calendar)
    # A hold collected at a bookmobile stop waits on the van for this many of the stop's visits
    # (not calendar days): a stop served every other week would otherwise lose every hold.
    hold_pickup_visits: int = 2
