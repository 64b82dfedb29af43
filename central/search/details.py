"""What the results list shows for one page of titles, fetched with a few grouped queries.

Portable SQL (SQLAlchemy Core): one query each for the titles, their contributors, copy counts
by status and open holds, whatever the page size - never one query per result.
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from central.models import Bib, Contributor, Hold, Item, ItemStatus
from central.models.circulation import OPEN_HOLD_STATUSES
from central.search.types import Availability, ContributorCredit, SearchHit


def availability(connection: Connection, bib_ids: Sequence[int]) -> dict[int, Availability]:
    """Copies on the shelf and on loan, and open holds (queued, in transit, ready), per title."""
    item, hold = Item.__table__, Hold.__table__
    copies = connection.execute(
        select(item.c.bib_id, item.c.status, func.count())
        .where(item.c.bib_id.in_(bib_ids), item.c.status.in_([ItemStatus.AVAILABLE, ItemStatus.ON_LOAN]))
        .group_by(item.c.bib_id, item.c.status)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for bib_id, status, n in copies:
        counts[bib_id][status] = n
    holds = connection.execute(
        select(hold.c.bib_id, func.count())
        .where(hold.c.bib_id.in_(bib_ids), hold.c.status.in_(list(OPEN_HOLD_STATUSES)))
        .group_by(hold.c.bib_id)
    )
    waiting = {bib_id: n for bib_id, n in holds}
    return {
        bib_id: Availability(
            on_shelf=counts[bib_id].get(ItemStatus.AVAILABLE, 0),
            on_loan=counts[bib_id].get(ItemStatus.ON_LOAN, 0),
            holds_waiting=waiting.get(bib_id, 0),
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
