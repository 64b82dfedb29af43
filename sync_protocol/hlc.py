"""Hybrid logical clock: a timestamp that follows wall time but never goes backwards.

A van's clock can be wrong or be corrected backwards (SPEC disagreement 8). Wall time alone would
then order two of its operations wrongly; a plain counter would say nothing about when they
happened. An HLC (Kulkarni et al., 2014) keeps the largest physical time seen so far plus a counter
that breaks ties, so every timestamp a node issues is strictly larger than the previous one and
stays close to real time when the clocks are right.

Pure functions: the caller persists the last value (the van does so in the same transaction as
the operation that used it).
"""

import re
from dataclasses import dataclass

_WALL_DIGITS = 15
_COUNTER_DIGITS = 6
_PATTERN = re.compile(r"^(\d{15})-(\d{6})$")


@dataclass(frozen=True, order=True)
class Hlc:
    """Milliseconds since the Unix epoch (the largest seen) and a counter for ties."""

    wall_ms: int
    counter: int = 0

    def __post_init__(self) -> None:
        if self.wall_ms < 0 or self.counter < 0:
            raise ValueError("HLC parts must not be negative")
        if self.wall_ms >= 10**_WALL_DIGITS or self.counter >= 10**_COUNTER_DIGITS:
            raise ValueError("HLC part out of range")

    def encode(self) -> str:
        """Fixed-width text, so that comparing the strings compares the clocks."""
        return f"{self.wall_ms:0{_WALL_DIGITS}d}-{self.counter:0{_COUNTER_DIGITS}d}"

    @classmethod
    def decode(cls, text: str) -> "Hlc":
        """The inverse of `encode`; raises ValueError on anything else."""
        match = _PATTERN.match(text)
        if match is None:
            raise ValueError(f"not an HLC timestamp: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))


def tick(last: Hlc | None, now_ms: int) -> Hlc:
    """The timestamp of a new local event, given the node's last one and its wall clock."""
    if last is None or now_ms > last.wall_ms:
        return Hlc(now_ms, 0)
    return Hlc(last.wall_ms, last.counter + 1)


def observe(last: Hlc | None, remote: Hlc, now_ms: int) -> Hlc:
    """The node's clock after receiving `remote` (e.g. central's time at a sync handshake)."""
    wall = max(now_ms, remote.wall_ms, last.wall_ms if last else 0)
    if last is not None and wall == last.wall_ms == remote.wall_ms:
        counter = max(last.counter, remote.counter) + 1
    elif last is not None and wall == last.wall_ms:
        counter = last.counter + 1
    elif wall == remote.wall_ms:
        counter = remote.counter + 1
    else:
        counter = 0
    return Hlc(wall, counter)
