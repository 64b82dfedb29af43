"""R4/R5: from which day an internet-service password works.

At the main desk the temporary password works the same day (R4). An application taken on a
bookmobile works from the day after central took it in (R5) - not the day after the van took
it: a van that could not sync for days delays activation, because the main library must first
take the application into its system.
"""

from datetime import date, timedelta
from enum import StrEnum


class Channel(StrEnum):
    """Where an application was taken (R3)."""

    DESK = "desk"
    BOOKMOBILE = "bookmobile"


def activation_date(channel: Channel, taken_in_on: date) -> date:
    """The first Tokyo day the password works, for an application central took in on `taken_in_on`."""
    if channel is Channel.DESK:
        return taken_in_on
    return taken_in_on + timedelta(days=1)
