"""Loading a catalogue file into `bib` and `contributor`: bulk, idempotent, one transaction.

Works are matched to titles by `source_id` ("aozora:000879"), so importing the same file again
changes nothing and importing a newer one updates what changed. Titles missing from a newer file
are kept: copies, loans and holds may point at them.
"""

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlmodel import Session

from central.catalog.aozora import AozoraWork, read_works
from central.models import Bib, Contributor
from central.search.text import Person, search_text, sort_key
from central.services.context import transaction

CREDIT = "青空文庫"
SOURCE_PREFIX = "aozora:"

_BIB_FIELDS = (
    "title", "title_reading", "subtitle", "subtitle_reading", "original_title", "ndc",
    "publisher", "source_book", "first_edition", "credit", "search_text", "sort_key",
)  # fmt: skip
_PERSON_FIELDS = ("position", "name", "name_reading", "role", "source_person_id")


@dataclass(frozen=True)
class ImportReport:
    """What an import did: works read, titles added, updated and left as they were, contributors written."""

    works: int
    added: int
    updated: int
    unchanged: int
    contributors: int
    seconds: float


def _bib_values(work: AozoraWork) -> dict[str, str]:
    titles = (work.title, work.title_reading, work.subtitle, work.subtitle_reading, work.original_title)
    people = (Person(name=p.name, reading=p.reading) for p in work.people)
    return {
        "source_id": work.source_id,
        "title": work.title,
        "title_reading": work.title_reading,
        "subtitle": work.subtitle,
        "subtitle_reading": work.subtitle_reading,
        "original_title": work.original_title,
        "ndc": work.ndc,
        "publisher": work.publisher,
        "source_book": work.source_book,
        "first_edition": work.first_edition,
        "credit": CREDIT,
        "search_text": search_text(titles, people),
        "sort_key": sort_key(work.title_reading, work.title),
    }


def _people_values(work: AozoraWork) -> list[tuple[Any, ...]]:
    return [(i, p.name, p.reading, p.role, p.person_id) for i, p in enumerate(work.people)]


def _stored(connection: Connection) -> tuple[dict[str, tuple[Any, ...]], dict[int, list[tuple[Any, ...]]]]:
    """The titles a previous import stored (by source_id: id and fields) and their contributors."""
    bib, person = Bib.__table__, Contributor.__table__
    titles = {
        row[0]: tuple(row[1:])
        for row in connection.execute(
            select(bib.c.source_id, bib.c.id, *(bib.c[f] for f in _BIB_FIELDS)).where(
                bib.c.source_id.startswith(SOURCE_PREFIX)
            )
        )
    }
    people: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    ids = select(bib.c.id).where(bib.c.source_id.startswith(SOURCE_PREFIX))
    for row in connection.execute(
        select(person.c.bib_id, *(person.c[f] for f in _PERSON_FIELDS))
        .where(person.c.bib_id.in_(ids))
        .order_by(person.c.bib_id, person.c.position, person.c.id)
    ):
        people[row[0]].append(tuple(row[1:]))
    return titles, people


def _bib_ids(connection: Connection) -> dict[str, int]:
    bib = Bib.__table__
    rows = connection.execute(select(bib.c.source_id, bib.c.id).where(bib.c.source_id.startswith(SOURCE_PREFIX)))
    return {source_id: bib_id for source_id, bib_id in rows}


def _write_people(connection: Connection, replace: Sequence[tuple[int, AozoraWork]]) -> int:
    """Replace the contributors of these titles; returns how many rows were written."""
    person = Contributor.__table__
    if not replace:
        return 0
    connection.execute(delete(person).where(person.c.bib_id == bindparam("b")), [{"b": b} for b, _ in replace])
    rows = [
        {"bib_id": bib_id, **dict(zip(_PERSON_FIELDS, values, strict=True))}
        for bib_id, work in replace
        for values in _people_values(work)
    ]
    if rows:
        connection.execute(insert(person), rows)
    return len(rows)


@dataclass
class _Plan:
    """What the import must write: new titles, changed titles, titles whose contributors changed."""

    new: list[tuple[AozoraWork, dict[str, str]]]
    changed: list[dict[str, Any]]
    people: list[tuple[int, AozoraWork]]


def _plan(connection: Connection, works: Sequence[AozoraWork]) -> _Plan:
    stored, stored_people = _stored(connection)
    plan = _Plan(new=[], changed=[], people=[])
    for work in works:
        values = _bib_values(work)
        previous = stored.get(work.source_id)
        if previous is None:
            plan.new.append((work, values))
            continue
        bib_id, fields = previous[0], previous[1:]
        if fields != tuple(values[f] for f in _BIB_FIELDS):
            plan.changed.append({"b": bib_id, **values})
        if stored_people.get(bib_id, []) != _people_values(work):
            plan.people.append((bib_id, work))
    return plan


def import_catalog(session: Session, path: Path) -> ImportReport:
    """Import the Aozora Bunko catalogue file at `path` (works.csv.gz or a plain .csv).

    One transaction: on any error nothing is written. Raises a CatalogError for a missing file,
    one that is not a UTF-8 CSV (plain or gzip), lacks columns or has a broken row.
    """
    started = time.perf_counter()
    works = read_works(path)
    with transaction(session):
        connection = session.connection()
        plan = _plan(connection, works)
        if plan.new:
            connection.execute(insert(Bib.__table__), [values for _, values in plan.new])
            ids = _bib_ids(connection)
            plan.people.extend((ids[work.source_id], work) for work, _ in plan.new)
        if plan.changed:
            bib = Bib.__table__
            connection.execute(update(bib).where(bib.c.id == bindparam("b")), plan.changed)
        written = _write_people(connection, plan.people)
    touched = {row["b"] for row in plan.changed} | {bib_id for bib_id, _ in plan.people}
    updated = len(touched) - len(plan.new)
    return ImportReport(
        works=len(works),
        added=len(plan.new),
        updated=updated,
        unchanged=len(works) - len(plan.new) - updated,
        contributors=written,
        seconds=round(time.perf_counter() - started, 3),
    )
