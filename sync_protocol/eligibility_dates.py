"""R1 as a date: the first day a person may apply for the internet service.

The van's roster must not carry birth dates (a van can be stolen), yet the van has to check R1
offline when a card holder applies. Central therefore sends, for each patron, the first day on
which R1 holds; the van compares it with today. This gives exactly the answer of
`sync_protocol.eligibility.is_eligible_for_internet_service`, because eligibility never ends once
it starts (the school year only grows).
"""

from datetime import date


def internet_service_eligible_from(birth_date: date) -> date:
    """The first day D with birth_date <= April 1 of (SY(D) - 12): April 1 of a school year."""
    born_by_april_first = (birth_date.month, birth_date.day) <= (4, 1)
    return date(birth_date.year + (12 if born_by_april_first else 13), 4, 1)
