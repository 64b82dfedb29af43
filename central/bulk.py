"""Writing many rows with one executemany, without SQLAlchemy's per-row statement machinery.

`connection.execute(insert(table), rows)` builds a parameter dictionary per row and runs every
value through the statement's processing on each call; for the thousands of rows a van's batch
writes, that costs as much as the database itself. Here the statement is compiled once per table,
column list and dialect, each value goes through its column type's own bind processor (so a UTC
instant is stored exactly as the ORM stores it), and the driver's executemany gets plain tuples.

Only `central.services.agreed`, the sync ingest and the change log write with it: everywhere else
the ORM's clarity is worth more than its cost. `in_lists` is for any statement with an IN list of
ids that may be long (the lane's and a pull's reads, the night's updates and deletes), and `ids`
reads the ids such a statement will name.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Table, bindparam, insert, update
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


def ids(session: Session, statement: "SelectOfScalar[int | None]") -> list[int]:
    """The ids a `select(Model.id)` finds: stored rows always have one, though the column's type
    allows None (it is None only before a row is written)."""
    return [found for found in session.exec(statement) if found is not None]


# Values per IN list. SQLite takes at most 32,766 parameters in a statement as built by default,
# PostgreSQL 65,535;
# a van's batch, a pull after weeks away or a night's forgetting can name more ids than that.
IN_LIST = 2000


def in_lists(values: Iterable[T]) -> Iterator[list[T]]:
    """`values` in slices of at most `IN_LIST`, each small enough for one SQL IN list."""
    listed = list(values)
    for start in range(0, len(listed), IN_LIST):
        yield listed[start : start + IN_LIST]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    processors: tuple[Callable[[Any], Any] | None, ...]
    names: tuple[str, ...] | None  # bind names for a named paramstyle; None when positional
    order: tuple[int, ...] | None  # where each bind's value sits in a caller's tuple; None: as given


@cache
def _compile(table: Table, columns: tuple[str, ...], key: str | None, dialect: Dialect) -> _Compiled:
    if key is None:
        statement = insert(table).values({c: bindparam(c) for c in columns})
    else:
        statement = (
            update(table)
            .where(table.c[key] == bindparam(f"_{key}"))
            .values({c: bindparam(c) for c in columns if c != key})
        )
    compiled = statement.compile(dialect=dialect)
    # Bind name -> the column (and so the type) its value belongs to, in the order of `columns`.
    binds = {c: c for c in columns} if key is None else {**{c: c for c in columns if c != key}, f"_{key}": key}
    order = tuple(compiled.positiontup) if compiled.positional else tuple(binds)  # type: ignore[arg-type]
    positions = {name: i for i, name in enumerate(binds)}
    permutation = tuple(positions[name] for name in order)
    processors = tuple(table.c[binds[name]].type.bind_processor(dialect) for name in order)
    return _Compiled(
        compiled.string,
        processors,
        None if compiled.positional else order,
        None if permutation == tuple(range(len(order))) else permutation,
    )


def _run(connection: Connection, compiled: _Compiled, rows: Iterable[Sequence[Any]]) -> None:
    rows = list(rows)
    if not rows:
        return
    if compiled.order is not None:
        rows = [tuple(row[i] for i in compiled.order) for row in rows]
    processing = [(i, p) for i, p in enumerate(compiled.processors) if p is not None]
    if processing:
        # Column by column: one processor call per distinct value (a batch's rows share many).
        columns = list(zip(*rows, strict=True))
        for i, process in processing:
            done = {value: process(value) for value in set(columns[i])}
            columns[i] = tuple(map(done.__getitem__, columns[i]))
        rows = list(zip(*columns, strict=True))
    names = compiled.names
    params: list[Any] = rows if names is None else [dict(zip(names, r, strict=True)) for r in rows]
    connection.exec_driver_sql(compiled.sql, params)


def insert_rows(connection: Connection, table: Table, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT one row per tuple of `rows`, its values in the order of `columns`."""
    _run(connection, _compile(table, columns, None, connection.dialect), rows)


def update_rows(
    connection: Connection, table: Table, key: str, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]
) -> None:
    """UPDATE the row whose `key` column equals the tuple's last value, setting `columns` from the
    values before it: `columns` lists the SET columns then `key`, in that order."""
    _run(connection, _compile(table, columns, key, connection.dialect), rows)
