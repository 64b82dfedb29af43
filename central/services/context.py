"""Who acts, where, when: what every service call needs besides its own arguments."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from sync_protocol.policy import CirculationPolicy
from sync_protocol.timezone import as_utc, tokyo_date, utc_now


@dataclass(frozen=True)
class ServiceContext:
    """The session plus the actor ("staff:3", "patron:12", "node:van-1", "system:nightly"),
    the location the action happens at, the instant it happens, and the circulation policy."""

    session: Session
    policy: CirculationPolicy
    actor: str
    # None only for set-up work that happens nowhere in particular (creating the first locations).
    location_id: int | None
    now: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        object.__setattr__(self, "now", as_utc(self.now))

    @property
    def today(self) -> date:
        """The Tokyo business day of `now`."""
        return tokyo_date(self.now)


_IN_UNIT = "central.unit_of_work"
_IN_SAVEPOINT = "central.savepoint"


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """One use case, one transaction; a savepoint inside a caller's unit of work (a sync batch).

    Only the outermost use case inside a unit takes a savepoint: the use cases it calls in turn
    succeed or fail with it, so further savepoints would only cost statements.

    A transaction the session began by itself for a read outside any use case is ended first
    (committing nothing, so the objects it loaded stay usable); one that holds unflushed changes
    means some code wrote outside a service, which is refused.
    """
    if session.info.get(_IN_UNIT):
        if session.info.get(_IN_SAVEPOINT):
            yield session  # the enclosing savepoint already isolates this work
            return
        session.info[_IN_SAVEPOINT] = True
        try:
            with session.begin_nested():
                yield session
        finally:
            session.info[_IN_SAVEPOINT] = False
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("changes made outside a service use case")
        session.commit()
    session.info[_IN_UNIT] = True
    try:
        with session.begin():
            yield session
    finally:
        session.info[_IN_UNIT] = False
