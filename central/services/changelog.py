"""The change log the vans pull from (B6), written on every flush of a service's transaction.

Recording changes where rows are flushed - rather than in each service - means no service can
forget to: whatever a use case changes in patrons, accounts, blocks, copies, loans or holds leaves
(scope, key) entries in the same transaction, so the log and the data can never disagree.
"""

from itertools import chain
from typing import Any

from sqlalchemy import event, insert
from sqlmodel import Session

from central.models import ChangeLogEntry, Hold, InternetAccount, Item, Loan, Patron, PatronBlock


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
        session.connection().execute(insert(ChangeLogEntry), rows)
