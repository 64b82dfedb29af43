"""Due dates: the loan period from the policy, moved off closed days.

A due date never falls on a day the library is closed: patrons could not bring the book back
at the desk, so it moves to the next open day (the same courtesy every Japanese library gives).
"""

from datetime import date, timedelta

from sync_protocol.policy import CirculationPolicy


def due_date_for_loan(lent_on: date, policy: CirculationPolicy) -> date:
    """The due date of a loan made on `lent_on`."""
    return policy.calendar.next_open_day(lent_on + timedelta(days=policy.loan_days))


def due_date_for_renewal(renewed_on: date, policy: CirculationPolicy) -> date:
    """R9: the new due date is the day of renewal + 14 days (the policy's renewal period)."""
    return policy.calendar.next_open_day(renewed_on + timedelta(days=policy.renewal_days))


def days_overdue(due: date, today: date) -> int:
    """How many days past `due` the loan is on `today` (0 when not overdue)."""
    return max(0, (today - due).days)
