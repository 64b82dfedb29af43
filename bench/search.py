"""Search latency on the real catalogue scaled to 300,000 titles and 1,000,000 copies.

The database is built once into var/bench/ (real Aozora titles, then generated ones spliced from
real titles and credited to real authors, so characters and readings are distributed as in real
titles) and reused while it exists. Queries are drawn from real titles, readings and authors;
each is timed end to end through `search_titles`, availability of the page included, in a fresh
session as a web request would run it.
"""

import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select

from bench.figures import Figure, percentile
from central.catalog import import_catalog
from central.catalog.aozora import AozoraWork, read_works
from central.db import make_engine, migrate, new_session
from central.models import Bib, Contributor, Hold, HoldStatus, Item, ItemStatus, Location, LocationKind, Patron
from central.search import Person, SearchField, SearchQuery, search_text, search_titles, sort_key

ROOT = Path(__file__).resolve().parents[1]
AOZORA = ROOT / "central" / "data" / "aozora" / "works.csv.gz"
# Bump when the generated data changes, so an old cached database is not reused.
DATABASE = ROOT / "var" / "bench" / "search-v2.db"
TITLES, COPIES, OPEN_HOLDS, PATRONS = 300_000, 1_000_000, 40_000, 2_000
LONG_QUERIES, SHORT_QUERIES, WARM_UP = 400, 200, 40
SEED = 2026
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
_CHUNK = 20_000
_STATUSES = [ItemStatus.AVAILABLE] * 70 + [ItemStatus.ON_LOAN] * 24 + [
    ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF, ItemStatus.MISSING, ItemStatus.MISSING,
    ItemStatus.MISSING, ItemStatus.WITHDRAWN,
]  # fmt: skip
_HOLD_STATUSES = [HoldStatus.QUEUED] * 17 + [HoldStatus.IN_TRANSIT, HoldStatus.READY, HoldStatus.READY]


def _log(message: str) -> None:
    print(f"[bench search] {message}", file=sys.stderr, flush=True)


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        connection.execute(insert(table), rows[start : start + _CHUNK])


def _splice(a: str, b: str, rng: random.Random) -> str:
    """The start of `a` joined to the end of `b`: a new title made of real title fragments."""
    return a[: rng.randint(1, max(1, len(a)))] + b[rng.randint(0, max(0, len(b) - 1)) :]


def _generated_bibs(
    works: list[AozoraWork], count: int, rng: random.Random
) -> Iterator[tuple[dict[str, str], AozoraWork]]:
    """Generated titles, each with the work whose people it is credited to."""
    for n in range(count):
        a, b = rng.choice(works), rng.choice(works)
        title, reading = _splice(a.title, b.title, rng), _splice(a.title_reading, b.title_reading, rng)
        people = [Person(p.name, p.reading) for p in a.people[:1]]
        yield (
            {
                "source_id": f"bench:{n:06d}", "title": title, "title_reading": reading, "subtitle": "",
                "subtitle_reading": "", "original_title": "", "ndc": a.ndc, "publisher": b.publisher,
                "source_book": "", "first_edition": "", "credit": "",
                "search_text": search_text((title, reading), people), "sort_key": sort_key(reading, title),
            },
            a,
        )  # fmt: skip


def _add_generated_titles(connection: Connection, works: list[AozoraWork], rng: random.Random) -> None:
    generated = list(_generated_bibs(works, TITLES - len(works), rng))
    _insert(connection, Bib.__table__, [bib for bib, _ in generated])
    ids = dict(connection.execute(select(Bib.source_id, Bib.id).where(Bib.source_id.startswith("bench:"))).all())
    people = [
        {"bib_id": ids[bib["source_id"]], "position": 0, "name": p.name, "name_reading": p.reading, "role": p.role}
        for bib, work in generated
        for p in work.people[:1]
    ]
    _insert(connection, Contributor.__table__, people)


def _add_copies(connection: Connection, bib_ids: list[int], location_id: int, rng: random.Random) -> list[int]:
    """One copy of every title, the rest to popular titles; returns the titles with copies on loan."""
    popularity = [rng.paretovariate(1.2) for _ in bib_ids]
    owners = bib_ids + rng.choices(bib_ids, weights=popularity, k=COPIES - len(bib_ids))
    rows, lent = [], set()
    for n, bib_id in enumerate(owners):
        status = rng.choice(_STATUSES)
        if status == ItemStatus.ON_LOAN:
            lent.add(bib_id)
        rows.append({"barcode": f"{n:010d}", "bib_id": bib_id, "home_location_id": location_id,
                     "current_location_id": location_id, "status": status, "created_at": NOW})  # fmt: skip
    _insert(connection, Item.__table__, rows)
    return sorted(lent)


def _add_holds(connection: Connection, lent: list[int], location_id: int, rng: random.Random) -> None:
    patrons = [
        {"card_number": f"{9_000_000 + n}", "name": f"利用者{n}", "birth_date": date(1990, 1, 1),
         "registered_at": NOW, "registered_location_id": location_id}
        for n in range(PATRONS)
    ]  # fmt: skip
    _insert(connection, Patron.__table__, patrons)
    patron_ids = list(connection.execute(select(Patron.id)).scalars())
    queue: dict[int, int] = {}
    holds = []
    for bib_id in rng.choices(lent, k=OPEN_HOLDS):
        queue[bib_id] = queue.get(bib_id, 0) + 1
        holds.append({"patron_id": rng.choice(patron_ids), "bib_id": bib_id, "pickup_location_id": location_id,
                      "contact_method": "email", "queue_number": queue[bib_id],
                      "status": rng.choice(_HOLD_STATUSES), "placed_at": NOW})  # fmt: skip
    _insert(connection, Hold.__table__, holds)


def _build(path: Path, works: list[AozoraWork]) -> None:
    """Create the scaled catalogue at `path` (the real import, then generated titles, copies, holds)."""
    rng = random.Random(SEED)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with new_session(engine) as session:
        import_catalog(session, AOZORA)
    with engine.begin() as connection:
        _add_generated_titles(connection, works, rng)
        location = {"code": "MAIN", "kind": LocationKind.MAIN, "name": "本館"}
        location_id = connection.execute(insert(Location.__table__).values(location)).inserted_primary_key[0]
        bib_ids = list(connection.execute(select(Bib.id).order_by(Bib.id)).scalars())
        lent = _add_copies(connection, bib_ids, location_id, rng)
        _add_holds(connection, lent, location_id, rng)
    engine.dispose()


def prepared_engine(works: list[AozoraWork]) -> Engine:
    """An engine on the cached benchmark database, built first when missing."""
    if not DATABASE.exists():
        DATABASE.parent.mkdir(parents=True, exist_ok=True)
        partial = DATABASE.with_suffix(".partial")
        for leftover in partial.parent.glob(partial.name + "*"):
            leftover.unlink()
        _log(f"building {DATABASE.relative_to(ROOT)} ({TITLES:,} titles, {COPIES:,} copies), once")
        started = time.perf_counter()
        _build(partial, works)
        partial.rename(DATABASE)
        _log(f"built in {time.perf_counter() - started:.0f} s")
    engine = make_engine(f"sqlite:///{DATABASE}")
    migrate(engine)
    return engine


@dataclass(frozen=True)
class _Mix:
    long: list[SearchQuery]
    short: list[SearchQuery]


def _fragment(text: str, shortest: int, longest: int, rng: random.Random) -> str:
    size = rng.randint(shortest, min(longest, len(text)))
    start = rng.randint(0, len(text) - size)
    return text[start : start + size]


def _to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _long_query(works: list[AozoraWork], rng: random.Random) -> tuple[str, SearchField]:
    """A query whose every term has 3+ characters: a title or reading fragment, an author, or both."""
    work = rng.choice([w for w in rng.sample(works, 20) if len(w.title) >= 3 and w.people] or works[:1])
    author = work.people[0]
    name, reading = author.name.replace(" ", ""), author.reading.replace(" ", "")
    kind = rng.random()
    if kind < 0.35:
        return _fragment(work.title, 3, 8, rng), SearchField.KEYWORD
    if kind < 0.5 and len(work.title_reading) >= 3:
        fragment = _fragment(work.title_reading, 3, 7, rng)
        return (_to_katakana(fragment) if rng.random() < 0.3 else fragment), SearchField.TITLE
    if kind < 0.75 and len(name) >= 3:
        return name, rng.choice([SearchField.AUTHOR, SearchField.KEYWORD])
    if kind < 0.85 and len(reading) >= 3:
        return reading, SearchField.AUTHOR
    if len(name) >= 3:
        return f"{name} {_fragment(work.title, 3, 5, rng)}", SearchField.KEYWORD
    return _fragment(work.title, 3, 8, rng), SearchField.KEYWORD


def _short_query(works: list[AozoraWork], rng: random.Random) -> tuple[str, SearchField]:
    """A one- or two-character query: a fragment of a title, or a two-character family name."""
    work = rng.choice(works)
    family = work.people[0].name.split(" ")[0] if work.people else ""
    if rng.random() < 0.2 and 1 <= len(family) <= 2:
        return family, SearchField.AUTHOR
    return _fragment(work.title, 1, 2, rng), SearchField.KEYWORD


def query_mix(works: list[AozoraWork], rng: random.Random) -> _Mix:
    """Realistic queries: mostly page 1, some page 2 or 3, twenty results a page."""

    def page() -> int:
        return rng.choices([1, 2, 3], weights=[85, 10, 5])[0]

    long = [SearchQuery(*_long_query(works, rng), page=page()) for _ in range(LONG_QUERIES)]
    short = [SearchQuery(*_short_query(works, rng), page=page()) for _ in range(SHORT_QUERIES)]
    return _Mix(long=long, short=short)


def _timed(engine: Engine, queries: list[SearchQuery]) -> list[float]:
    """Milliseconds per query, each in a fresh session."""
    samples = []
    for query in queries:
        started = time.perf_counter()
        with new_session(engine) as session:
            search_titles(session, query)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run() -> Iterator[Figure]:
    works = read_works(AOZORA)
    engine = prepared_engine(works)
    mix, warm_up = query_mix(works, random.Random(SEED)), query_mix(works, random.Random(SEED + 1))
    _timed(engine, warm_up.long[:WARM_UP] + warm_up.short[: WARM_UP // 2])
    long, short = _timed(engine, mix.long), _timed(engine, mix.short)
    engine.dispose()
    yield Figure("search_p50_ms", round(percentile(long, 0.50), 1), "ms")
    yield Figure("search_p95_ms", round(percentile(long, 0.95), 1), "ms", "<= 50")
    yield Figure("search_short_p95_ms", round(percentile(short, 0.95), 1), "ms", "<= 150")
