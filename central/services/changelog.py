"""The change log the vans pull from (B6), written on every flush of a service's transaction.

Recording changes where rows are flushed - rather than in each service - means no service can
forget to: whatever a use case changes in patrons, accounts, blocks, copies, loans or holds leaves
(scope, key) entries in the same transaction, so the log and the data can never disagree.

A van's cursor is the highest id it was sent, and it next asks for the ids above it. That is safe
only if no entry with a lower id can appear later. On SQLite writers run one at a time, so it
cannot. On PostgreSQL it can: ids come from a sequence when rows are inserted, but rows become
visible when their transaction commits, and a long batch that took id 100 may commit after a
hold that took id 101 - a pull in between would see 101, move the van's cursor past 100, and the
van would never hear of it. So on PostgreSQL:

- every transaction that writes the log first takes a shared advisory lock (writers never wait
  for each other);
- `stable_cursor` reads the highest id while holding that lock exclusively, on a connection of
  its own for the moment it takes: it waits until the writers in flight have committed or rolled
  back, and every id given out after that is higher than the one it read.

A pull thus waits for the writing transactions in flight (a batch, a step of the nightly job), and
writers arriving meanwhile queue behind it for as long; reads never do. The alternative, serialising every writer
on one lock, would make the whole network write one batch at a time.
"""

from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, event, func, insert, select, text
from sqlmodel import Session

from central.models import ChangeLogEntry, Hold, InternetAccount, Item, Loan, Patron, PatronBlock

# The advisory lock's key on PostgreSQL: "chgl" in ASCII, a number no other part of central uses.
WRITERS_LOCK = 0x6368676C


def _keys(obj: Any) -> list[tuple[str, int | None]]:
    if isinstance(obj, Patron):
        return [("roster", obj.id)]
    if isinstance(obj, PatronBlock | InternetAccount):
        return [("roster", obj.patron_id)]
    if isinstance(obj, Loan):
        return [("roster", obj.patron_id), ("items", obj.item_id)]
    if isinstance(obj, Item):
        return [("items", obj.id), ("titles", obj.bib_id)]
    if isinstance(obj, Hold):
        return [("holds", obj.id), ("titles", obj.bib_id), ("items", obj.item_id)]
    return []


@event.listens_for(Session, "after_flush")
def _log_changes(session: Session, _context: Any) -> None:
    changed = {
        (scope, str(key))
        for obj in chain(session.new, session.dirty, session.deleted)
        for scope, key in _keys(obj)
        if key is not None
    }
    if changed:
        rows = [{"scope": scope, "key": key} for scope, key in sorted(changed)]
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": WRITERS_LOCK})
        connection.execute(insert(ChangeLogEntry), rows)


def _highest(connection: Connection) -> int:
    return connection.execute(select(func.max(ChangeLogEntry.id))).scalar_one_or_none() or 0


def stable_cursor(session: Session) -> int:
    """The highest change-log id below which no entry can appear any more (0 for an empty log).

    On PostgreSQL it is read before the session takes a connection of its own, so a request never
    holds two pooled connections at once. Inside a caller's unit of work (a savepoint) the session's
    transaction may hold the writers' lock itself, so the id is read there, as on SQLite.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql" or session.in_nested_transaction():
        return _highest(session.connection())
    with bind.connect() as own, own.begin():
        own.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK})
        return _highest(own)
