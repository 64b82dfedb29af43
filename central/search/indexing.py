"""Keeping `Bib.search_text` and `Bib.sort_key` current for titles added or edited one by one.

The catalogue import computes both itself while loading. Any other service that adds or edits a
title, or its contributors, calls `refresh_search_text` in the same transaction; the database's
own index follows `bib` (on SQLite, by triggers).
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select, update
from sqlmodel import Session

from central.models import Bib, Contributor
from central.search.text import Person, search_text, sort_key


def _people(connection: Connection, bib_ids: Sequence[int]) -> dict[int, list[Person]]:
    table = Contributor.__table__
    people: dict[int, list[Person]] = defaultdict(list)
    for row in connection.execute(
        select(table.c.bib_id, table.c.name, table.c.name_reading)
        .where(table.c.bib_id.in_(bib_ids))
        .order_by(table.c.bib_id, table.c.position, table.c.id)
    ):
        people[row.bib_id].append(Person(name=row.name, reading=row.name_reading))
    return people


def refresh_search_text(session: Session, bib_ids: Sequence[int]) -> None:
    """Recompute the folded search text and sort key of these titles from their stored fields."""
    if not bib_ids:
        return
    session.flush()
    connection = session.connection()
    table = Bib.__table__
    people = _people(connection, bib_ids)
    values = [
        {
            "bib": row.id,
            "text": search_text(
                (row.title, row.title_reading, row.subtitle, row.subtitle_reading, row.original_title), people[row.id]
            ),
            "key": sort_key(row.title_reading, row.title),
        }
        for row in connection.execute(select(table).where(table.c.id.in_(bib_ids)))
    ]
    if values:
        statement = (
            update(table)
            .where(table.c.id == bindparam("bib"))
            .values(search_text=bindparam("text"), sort_key=bindparam("key"))
        )
        connection.execute(statement, values)
    # Written past the ORM: loaded titles must read the new values back.
    refreshed = set(bib_ids)
    for bib in [o for o in session.identity_map.values() if isinstance(o, Bib) and o.id in refreshed]:
        session.expire(bib, ["search_text", "sort_key"])
