"""Running a use case again when PostgreSQL aborted it only because another one ran at the same time.

At READ COMMITTED, with the services' row locks (see `central.db`), what can still fail for no
fault of the request itself is:

- 40P01 deadlock_detected: two transactions took the same rows in opposite orders (a van's batch
  returning a copy while a patron's hold catches it); PostgreSQL aborts one of them.
- 23505 unique_violation: another transaction committed the same key a moment earlier - two
  workers lending one copy (the open-loan index), two vans registering one card number. Run
  again, the service sees that row and takes its ordinary path (a conflict for an admin, a refusal).
- 40001 serialization_failure: only under a stricter isolation level than ours (a server whose
  default_transaction_isolation was raised); retrying is the documented answer to it.

Everything else is raised at once. A retry starts the use case from the beginning on a rolled-back
session, so nothing half-done survives. Attempts are bounded: once they are used up the caller
gets `Contention` (503), which each surface renders in its one place. On SQLite none of this
happens: `BEGIN IMMEDIATE` makes writers queue instead.
"""

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from central.errors import CentralError

T = TypeVar("T")

TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "23505"})
ATTEMPTS = 5
# Backoff before attempt n (from 2): up to BACKOFF_S * 2**(n-2), randomised so colliding workers spread out.
BACKOFF_S = 0.02


class Contention(CentralError):
    """The database stayed too busy with concurrent work to finish the request; it may be sent again."""

    status = 503


def is_transient(error: DBAPIError) -> bool:
    """True when the driver reports one of the failures that running again can cure."""
    return getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def retrying(session: Session, work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`work()`, run again (after a rollback and a short random pause) while it fails transiently."""
    attempt = 1
    while True:
        try:
            return work()
        except DBAPIError as error:
            if not is_transient(error):
                raise
            session.rollback()
            if attempt >= attempts:
                raise Contention(
                    "database_busy",
                    "ただいま処理が混み合っています。しばらくしてからもう一度お試しください。",
                    "The database stayed busy with concurrent work; try again.",
                ) from error
        time.sleep(random.uniform(0, BACKOFF_S * 2 ** (attempt - 1)))
        attempt += 1
