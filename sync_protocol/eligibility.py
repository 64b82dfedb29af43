"""R1: who may apply for the internet service (junior-high-school students and older).

Japanese school grades run in cohorts from April 2 to April 1: a child born on April 1 is in the
same school year as those born the previous April 2 onwards. A pupil enters junior high school in
the April of the school year in which they turn 13 - i.e. those born on or before April 1 twelve
years before the school year starts.
"""

from datetime import date

from sync_protocol.refusal import Refusal

NOT_ELIGIBLE = Refusal(
    code="not_eligible",
    ja="インターネットサービスは中学生以上の方のみお申込みいただけます。",
    en="The internet service is only for junior-high-school students and older.",
)

BIRTH_DATE_IN_FUTURE = Refusal(
    code="birth_date_in_future",
    ja="生年月日が未来の日付になっています。",
    en="The birth date is in the future.",
)


def school_year(on: date) -> int:
    """SY(D): the school year in force on `on` (it starts on April 1)."""
    return on.year if on >= date(on.year, 4, 1) else on.year - 1


def junior_high_cutoff(on: date) -> date:
    """The latest birth date of a person who is at least in junior high school on `on`."""
    return date(school_year(on) - 12, 4, 1)


def is_eligible_for_internet_service(birth_date: date, on: date) -> bool:
    """R1: born on or before April 1 of SY(on) - 12."""
    return birth_date <= junior_high_cutoff(on)


def check_internet_service_eligibility(birth_date: date, on: date) -> Refusal | None:
    """R1 as a check: None when the person may apply, otherwise why not."""
    if birth_date > on:
        return BIRTH_DATE_IN_FUTURE
    if not is_eligible_for_internet_service(birth_date, on):
        return NOT_ELIGIBLE
    return None
