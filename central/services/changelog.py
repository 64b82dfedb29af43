"""The change log the vans pull from (B6), collected on every flush of a service's transaction.

Recording changes where rows are flushed - rather than in each service - means no service can
forget to: whatever a use case changes in patrons, accounts, blocks, copies, loans or holds leaves
(scope, key) entries in the same transaction, so the log and the data can never disagree.

A van's cursor is the highest id it was sent, and it next asks for the ids above it. That is safe
only if no entry with a lower id can appear later. On SQLite writers run one at a time, so it
cannot. On PostgreSQL it could: ids come from a sequence when rows are inserted but become
visible when their transaction commits, so a batch that took id 100 early could commit after a
hold that took 101 - a pull in between would move the van's cursor past 100 for good.

So the entries are not inserted as each flush happens: they are collected per transaction (those of
a savepoint rolled back are dropped with it) and inserted just before the commit - one row per scope
the transaction touched, listing its keys (`pack_keys`): a van's batch changes thousands of rows,
and a log row for each cost as much to write as the rows themselves - on PostgreSQL
under a transaction-level advisory lock taken exclusively. Writers thus take log ids and commit in
the same order, one after the other for the instant of that insert and commit (they run side by
side for everything else), and no id can become visible below one already visible: a pull's cursor
is simply the highest id it sees, and readers never wait. The lock is taken last, after every row lock
of the transaction, so it cannot take part in a deadlock.
"""

from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Table, delete, event, func, select, text
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col

from central.bulk import insert_rows
from central.models import ChangeLogEntry, ChangeLogMark, Hold, InternetAccount, Item, Loan, Patron, PatronBlock
from central.services import audit
from central.services.context import ServiceContext, transaction

# The advisory lock's key on PostgreSQL: "chgl" in ASCII, a number no other part of central uses.
COMMIT_ORDER_LOCK = 0x6368676C
_LOG: Table = ChangeLogEntry.__table__  # type: ignore[attr-defined]


def change_keys(model: type, row: Any) -> list[tuple[str, int | None]]:
    """The (scope, key) entries a change to a `model` row makes; `row` is an ORM object or
    anything with the same attributes (the set-based writes of `central.services.agreed`)."""
    if model is Patron:
        return [("roster", row.id)]
    if model is PatronBlock or model is InternetAccount:
        return [("roster", row.patron_id)]
    if model is Loan:
        return [("roster", row.patron_id), ("items", row.item_id)]
    if model is Item:
        return [("items", row.id), ("titles", row.bib_id)]
    if model is Hold:
        return [("holds", row.id), ("titles", row.bib_id), ("items", row.item_id)]
    return []


_PENDING = "central.change_log.pending"
_ROLLED_BACK = "central.change_log.rolled_back"


def _pending(session: Session) -> dict[SessionTransaction, set[tuple[str, int]]]:
    pending: dict[SessionTransaction, set[tuple[str, int]]] = session.info.setdefault(_PENDING, {})
    return pending


@event.listens_for(Session, "after_flush")
def _collect_changes(session: Session, _context: Any) -> None:
    changed = {
        (scope, key)
        for obj in chain(session.new, session.dirty, session.deleted)
        for scope, key in change_keys(type(obj), obj)
        if key is not None
    }
    _note(session, changed)


def note_changes(session: Session, model: type, rows: Iterable[Any]) -> None:
    """Log rows written without the ORM (executemany), exactly as a flush of them would."""
    _note(session, {(scope, key) for row in rows for scope, key in change_keys(model, row) if key is not None})


def _note(session: Session, changed: set[tuple[str, int]]) -> None:
    current = session.get_nested_transaction() or session.get_transaction()
    if changed and current is not None:
        _pending(session).setdefault(current, set()).update(changed)


@event.listens_for(Session, "after_soft_rollback")
def _note_rollback(session: Session, transaction: SessionTransaction) -> None:
    session.info.setdefault(_ROLLED_BACK, set()).add(transaction)


@event.listens_for(Session, "after_transaction_end")
def _hand_to_parent(session: Session, transaction: SessionTransaction) -> None:
    """A released savepoint's entries become its parent's; a rolled-back one's are dropped."""
    entries = _pending(session).pop(transaction, set())
    rolled_back: set[SessionTransaction] = session.info.get(_ROLLED_BACK, set())
    if transaction in rolled_back:
        rolled_back.discard(transaction)
    elif entries and transaction.parent is not None:
        _pending(session).setdefault(transaction.parent, set()).update(entries)


@event.listens_for(Session, "before_commit")
def _write_log(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release: its entries go to the enclosing transaction
    session.flush()
    changed = set().union(*_pending(session).values())
    _pending(session).clear()
    if not changed:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": COMMIT_ORDER_LOCK})
    by_scope: dict[str, list[int]] = {}
    for scope, key in changed:
        by_scope.setdefault(scope, []).append(key)
    insert_rows(
        connection, _LOG, ("scope", "keys"), [(scope, pack_keys(keys)) for scope, keys in sorted(by_scope.items())]
    )


def pack_keys(keys: Iterable[int]) -> str:
    """A log row's keys as stored: ascending, comma-separated."""
    return ",".join(map(str, sorted(keys)))


def unpack_keys(text: str) -> list[int]:
    """The keys `pack_keys` stored."""
    return [int(key) for key in text.split(",")]


def stable_cursor(session: Session) -> int:
    """The highest change-log id: no entry at or below it can appear any more (0 for an empty log)."""
    found = session.connection().execute(select(func.max(ChangeLogEntry.id))).scalar_one_or_none()
    return int(found or 0)


def forget_before(ctx: ServiceContext, before: datetime, marked_at: datetime) -> int:
    """Mark where the log stands at `marked_at` (the real time: a re-run of a past night must not
    date today's position in the past), and delete the entries it already held at a mark made
    before `before`; returns how many were deleted.

    No reading history: one transaction's entries sit in consecutive rows, so a desk lend's
    "roster" and "items" entries name its patron and its copy side by side. A van whose cursor is
    older than the entries deleted gets changes with some missing on its next pull; its scopes'
    checksums then differ from central's and it takes a full snapshot (`bookmobile.sync.pull`).

    The newest entry always stays: SQLite gives a new row the highest id plus one, and an emptied
    log would hand out ids below the cursors vans already hold. A second run the same night marks
    nothing new (the log has not moved) and so deletes nothing more.
    """
    with transaction(ctx.session):
        session = ctx.session
        newest = stable_cursor(session)
        latest = session.execute(
            select(ChangeLogMark.cursor).order_by(col(ChangeLogMark.id).desc()).limit(1)
        ).scalar_one_or_none()
        if latest != newest:
            session.add(ChangeLogMark(at=marked_at, cursor=newest))
            session.flush()
        through = session.execute(
            select(func.max(ChangeLogMark.cursor)).where(col(ChangeLogMark.at) < before)
        ).scalar_one()
        if not through:
            return 0
        deleted = session.execute(
            delete(ChangeLogEntry).where(col(ChangeLogEntry.id) <= through, col(ChangeLogEntry.id) < newest)
        ).rowcount
        session.execute(
            delete(ChangeLogMark).where(col(ChangeLogMark.at) < before, col(ChangeLogMark.cursor) < through)
        )
        if deleted:
            facts = {"entries": deleted, "through": through, "marked_before": before}
            audit.record(ctx, "change_log.forget", "change_log", through, after=facts)
        return int(deleted)
