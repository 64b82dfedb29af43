"""SPEC 8: placing a van's operation in time when the van's clock may be wrong.

The node's offset (its clock minus central's) is measured at every request. An operation's
effective time is its wall time corrected by that offset, kept in the node's own order (never
before the previous operation), never in the future and never before the node was enrolled.
A time that had to be moved more than `TOLERANCE` is reported, so an admin sees the clock fault.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class Placement:
    effective_at: datetime
    moved_by: timedelta  # how far the corrected time had to be clamped (0 when plausible)


def place_in_time(
    wall_time: datetime,
    offset_ms: int | None,
    *,
    previous: datetime | None,
    earliest: datetime | None,
    received_at: datetime,
) -> Placement:
    """The effective time of an operation recorded at `wall_time` on the node."""
    corrected = wall_time - timedelta(milliseconds=offset_ms) if offset_ms else wall_time
    lower = earliest if previous is None or (earliest is not None and earliest > previous) else previous
    effective = corrected if corrected < received_at else received_at
    if lower is not None and effective < lower:
        effective = lower
    return Placement(effective, abs(effective - corrected))


def is_implausible(placement: Placement) -> bool:
    return placement.moved_by > TOLERANCE
