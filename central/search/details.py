"""What the results list shows for one page of titles, fetched with a few grouped queries.

Portable SQL (SQLAlchemy Core): one query each for the titles, their contributors, copy counts
by status and open holds, whatever the page size - never one query per result.
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, Table, func, select

from central.models import Bib, Contributor, Hold, Item, ItemStatus
from central.models.circulation import OPEN_HOLD_STATUSES
from central.search.types import Availability, ContributorCredit, SearchHit


def _counts_by_status(connection: Connection, table: Table, bib_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Rows of `table` per title and status.

    Selecting on bib_id alone keeps the planner on the bib_id index: with the status list in the
    WHERE clause, SQLite may walk a status index through every open hold of the library instead.
    """
    rows = connection.execute(
        select(table.c.bib_id, table.c.status, func.count())
        .where(table.c.bib_id.in_(bib_ids))
        .group_by(table.c.bib_id, table.c.status)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for bib_id, status, n in rows:
        counts[bib_id][status] = n
    return counts


def availability(connection: Connection, bib_ids: Sequence[int]) -> dict[int, Availability]:
    """Copies on the shelf and on loan, and open holds (queued, in transit, ready), per title."""
    copies = _counts_by_status(connection, Item.__table__, bib_ids)
    holds = _counts_by_status(connection, Hold.__table__, bib_ids)
    return {
        bib_id: Availability(
            on_shelf=copies[bib_id].get(ItemStatus.AVAILABLE, 0),
            on_loan=copies[bib_id].get(ItemStatus.ON_LOAN, 0),
            holds_waiting=sum(holds[bib_id].get(status, 0) for status in OPEN_HOLD_STATUSES),
        )
        for bib_id in bib_ids
    }


def contributors(connection: Connection, bib_ids: Sequence[int]) -> dict[int, tuple[ContributorCredit, ...]]:
    """Each title's contributors in catalogue order."""
    table = Contributor.__table__
    rows = connection.execute(
        select(table.c.bib_id, table.c.name, table.c.name_reading, table.c.role)
        .where(table.c.bib_id.in_(bib_ids))
        .order_by(table.c.bib_id, table.c.position, table.c.id)
    )
    people: dict[int, list[ContributorCredit]] = defaultdict(list)
    for bib_id, name, reading, role in rows:
        people[bib_id].append(ContributorCredit(name=name, name_reading=reading, role=role))
    return {bib_id: tuple(people[bib_id]) for bib_id in bib_ids}


def hits(connection: Connection, bib_ids: Sequence[int]) -> tuple[SearchHit, ...]:
    """The results for `bib_ids`, in that order, with contributors and availability."""
    if not bib_ids:
        return ()
    table = Bib.__table__
    rows = connection.execute(
        select(
            table.c.id, table.c.title, table.c.title_reading, table.c.subtitle, table.c.publisher, table.c.credit
        ).where(table.c.id.in_(bib_ids))
    )
    bibs = {row.id: row for row in rows}
    people = contributors(connection, bib_ids)
    counts = availability(connection, bib_ids)
    return tuple(
        SearchHit(
            bib_id=bib_id,
            title=bibs[bib_id].title,
            title_reading=bibs[bib_id].title_reading,
            subtitle=bibs[bib_id].subtitle,
            publisher=bibs[bib_id].publisher,
            credit=bibs[bib_id].credit,
            contributors=people[bib_id],
            availability=counts[bib_id],
        )
        for bib_id in bib_ids
        if bib_id in bibs
    )
