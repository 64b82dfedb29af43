"""Where the simulation takes control of the system: time, and the cost of argon2.

Time: central's services take `now` from their `ServiceContext`, the van's node from its `Clock`,
and the nightly job from its `clock` argument - all given the simulated clock. The sync endpoints
are the one surface that reads the wall clock itself (`central.sync.http.utc_now`), so that one
name is pointed at the simulated clock while a simulation runs.

Argon2: hashing and verifying a password costs about 0.25 s each by design. The simulation checks
which password works from which day (R4-R7), not argon2's cost, so it hashes at argon2's minimum
cost; verification reads the cost from each hash, so nothing else changes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher

import central.sync.http as sync_http
import sync_protocol.passwords as shared_passwords


class SimClock:
    """The simulated instant every part of the system reads; it moves only when the driver moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class VanClock:
    """A van laptop's clock: the simulated time plus an error that a fault may set (SPEC 8)."""

    base: SimClock
    error: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return self.base.now() + self.error


@contextmanager
def simulated_time(clock: SimClock) -> Iterator[None]:
    """Central's sync endpoints read `clock` instead of the wall clock while the block runs."""
    original = sync_http.utc_now
    sync_http.utc_now = clock.now
    try:
        yield
    finally:
        sync_http.utc_now = original


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its minimum cost for new hashes while the block runs (see the module docstring)."""
    original = shared_passwords._hasher
    shared_passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        shared_passwords._hasher = original
