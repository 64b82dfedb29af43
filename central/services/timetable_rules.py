"""The days a route runs, from its rule: weekly, every N weeks, or the nth weekday of the month.

Pure date arithmetic (no database), so every surface - the van's timetable, the patrons' pages,
the pickup period of a hold at a stop, the statistics - derives the same days from the same rule.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from central.errors import InvalidInput
from central.models.routes import RuleKind

WEEKDAYS_JA = "月火水木金土日"
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rule:
    """When a route runs. `nth` (MONTHLY only) is 1-5 or -1 for the month's last such weekday."""

    kind: RuleKind
    weekday: int
    starts_on: date
    interval_weeks: int = 1
    nth: int | None = None
    ends_on: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("bad_weekday", "曜日を選んでください。", "Choose a weekday.")
        if self.kind is RuleKind.EVERY_N_WEEKS and not 1 <= self.interval_weeks <= 12:
            raise InvalidInput("bad_interval", "間隔は1〜12週で指定してください。", "Every 1 to 12 weeks.")
        if self.kind is RuleKind.MONTHLY and self.nth not in (1, 2, 3, 4, 5, -1):
            raise InvalidInput("bad_nth", "第何週かを1〜5(最終は-1)で指定してください。", "nth must be 1-5 or -1.")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise InvalidInput("bad_period", "終了日は開始日より後にしてください。", "The end is before the start.")

    def days(self, first: date, last: date) -> Iterator[date]:
        """The days in [first, last] the route runs, in order."""
        first = max(first, self.starts_on)
        if self.ends_on is not None:
            last = min(last, self.ends_on)
        if first > last:
            return
        if self.kind is RuleKind.MONTHLY:
            yield from self._monthly(first, last)
            return
        step = 1 if self.kind is RuleKind.WEEKLY else self.interval_weeks
        anchor = _on_or_after(self.starts_on, self.weekday)
        weeks_in = max(0, -(-(first - anchor).days // 7))  # first run of the cycle on or after `first`
        day = anchor + timedelta(weeks=-(-weeks_in // step) * step)
        while day <= last:
            yield day
            day += timedelta(weeks=step)

    def _monthly(self, first: date, last: date) -> Iterator[date]:
        year, month = first.year, first.month
        while date(year, month, 1) <= last:
            day = nth_weekday(year, month, self.weekday, self.nth or 1)
            if day is not None and first <= day <= last:
                yield day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def describe(self) -> str:
        """The rule as a librarian says it: 毎週火曜, 隔週木曜 (2週ごと), 毎月第2水曜, 毎月最終金曜."""
        weekday = f"{WEEKDAYS_JA[self.weekday]}曜"
        if self.kind is RuleKind.WEEKLY:
            return f"毎週{weekday}"
        if self.kind is RuleKind.EVERY_N_WEEKS:
            return f"隔週{weekday}" if self.interval_weeks == 2 else f"{self.interval_weeks}週ごとの{weekday}"
        return f"毎月最終{weekday}" if self.nth == -1 else f"毎月第{self.nth}{weekday}"


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The `nth` `weekday` of the month (nth = -1: the last); None when the month has no such day."""
    if nth == -1:
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    day = _on_or_after(date(year, month, 1), weekday) + timedelta(weeks=nth - 1)
    return day if day.month == month else None


def parse_weekday(text: str) -> int:
    """A weekday number (0 = Monday) from "tue", "Tuesday", "火", "火曜" or "1"."""
    value = text.strip().lower()
    if value.isdigit() and int(value) < 7:
        return int(value)
    for number, (code, kanji) in enumerate(zip(WEEKDAY_CODES, WEEKDAYS_JA, strict=True)):
        if value.startswith(code) or value.startswith(kanji):
            return number
    raise InvalidInput("bad_weekday", f"曜日「{text}」が分かりません(例: tue、火)。", f"Unknown weekday {text!r}.")
