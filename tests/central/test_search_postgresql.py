"""Japanese search on PostgreSQL (pg_trgm) finds exactly what SQLite (FTS5) finds, on the real catalogue.

Both databases hold the Aozora Bunko catalogue, imported once for the module; every query below
must give the same titles on both, short (1-2 character) and long terms, every field, the same
folding. Large result sets come in the same reading order. tests/central/test_search.py covers
the behaviour itself on SQLite.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session

from central.catalog import import_catalog
from central.db import make_engine, migrate, new_session
from central.models import Bib, Contributor
from central.search import SearchField, SearchPage, SearchQuery, refresh_search_text, search_titles
from central.search.postgresql import condition, like_pattern
from central.search.types import MAX_RANKED
from tests.conftest import PostgresServer

pytestmark = pytest.mark.postgresql

AOZORA = Path(__file__).parents[2] / "central" / "data" / "aozora" / "works.csv.gz"
WAGAHAI = "吾輩は猫である"

QUERIES = [
    ("猫", SearchField.KEYWORD),
    ("ねこ", SearchField.KEYWORD),
    ("ﾈｺ", SearchField.KEYWORD),
    ("吾輩は猫", SearchField.KEYWORD),
    ("ワガハイ", SearchField.KEYWORD),
    ("ＳＬＥＥＰＹ", SearchField.KEYWORD),
    ("門", SearchField.TITLE),
    ("漱石", SearchField.AUTHOR),
    ("夏目漱石", SearchField.TITLE),
    ("なつめそうせき", SearchField.AUTHOR),
    ("夏目 漱石", SearchField.AUTHOR),
    ("夏目 こころ", SearchField.KEYWORD),
    ("猫 なつめそうせき", SearchField.KEYWORD),
    ("るわ", SearchField.KEYWORD),
    ("はね", SearchField.KEYWORD),
    ("宮沢 賢治 風", SearchField.KEYWORD),
    ('"', SearchField.KEYWORD),
    ("猫 OR 犬", SearchField.KEYWORD),
    ("'; DROP TABLE bib;", SearchField.KEYWORD),
    ("100%", SearchField.KEYWORD),
    ("_", SearchField.KEYWORD),
    ("\\", SearchField.KEYWORD),
]


def _imported(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with new_session(engine) as session:
        import_catalog(session, AOZORA)
    engine.dispose()


@pytest.fixture(scope="module")
def both(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Session]]:
    """A session on each database, holding the same catalogue."""
    urls = {
        "sqlite": f"sqlite:///{tmp_path_factory.mktemp('search-sqlite') / 'central.db'}",
        "postgresql": postgres_server.create_database("search"),
    }
    engines = {}
    for kind, url in urls.items():
        _imported(url)
        engines[kind] = make_engine(url)
    sessions = {kind: new_session(engine) for kind, engine in engines.items()}
    yield sessions
    for kind, session in sessions.items():
        session.close()
        engines[kind].dispose()


def _search(session: Session, text: str, field: SearchField, **paging: int) -> SearchPage:
    page = search_titles(session, SearchQuery(text, field, **paging))
    assert not session.in_transaction()  # the read ended where it began
    return page


def _all_ids(session: Session, text: str, field: SearchField) -> list[int]:
    ids, page = [], 1
    while True:
        result = _search(session, text, field, page=page, per_page=100)
        ids += [hit.bib_id for hit in result.hits]
        if page >= result.pages:
            return ids
        page += 1


def _source_ids(session: Session, ids: list[int]) -> set[str]:
    found = set(session.exec(select(Bib.source_id).where(Bib.id.in_(ids))).scalars()) if ids else set()
    session.rollback()
    return found


@pytest.mark.parametrize(("text", "field"), QUERIES, ids=[f"{q}-{f}" for q, f in QUERIES])
def test_postgresql_finds_the_same_titles_as_sqlite(both: dict[str, Session], text: str, field: SearchField) -> None:
    found = {kind: _source_ids(session, _all_ids(session, text, field)) for kind, session in both.items()}
    assert found["postgresql"] == found["sqlite"]


def test_short_terms_matching_most_titles_come_in_the_same_reading_order(both: dict[str, Session]) -> None:
    pages = {kind: [_search(session, q, SearchField.KEYWORD, page=p, per_page=50) for q, p in (("の", 1), ("ノ", 2))]
             for kind, session in both.items()}  # fmt: skip
    assert pages["postgresql"][0].total == pages["sqlite"][0].total > MAX_RANKED
    ids = {kind: [hit.bib_id for page in found for hit in page.hits] for kind, found in pages.items()}
    assert ids["postgresql"] == ids["sqlite"]


def test_best_matches_come_first(both: dict[str, Session]) -> None:
    session = both["postgresql"]
    assert _search(session, "吾輩は猫", SearchField.KEYWORD).hits[0].title == WAGAHAI
    assert "門" in [hit.title for hit in _search(session, "門", SearchField.KEYWORD).hits[:3]]
    first, second = (_search(session, "ねこで", SearchField.KEYWORD, page=p, per_page=2) for p in (1, 2))
    top_four = [hit.bib_id for hit in _search(session, "ねこで", SearchField.KEYWORD).hits[:4]]
    assert [hit.bib_id for hit in first.hits + second.hits] == top_four


def test_a_title_is_found_by_its_raw_fields_then_by_its_folded_text(both: dict[str, Session]) -> None:
    session = both["postgresql"]
    with session.begin():  # rolled back at the end: the module's catalogue stays as imported
        bib = Bib(title="ネコの手帖", title_reading="ねこのてちょう")
        session.add(bib)
        session.flush()
        assert [h.bib_id for h in search_titles(session, SearchQuery("ねこのてちょう")).hits] == [bib.id]
        session.add(Contributor(bib_id=bib.id, name="山田 花子", name_reading="やまだ はなこ"))
        refresh_search_text(session, [bib.id])  # type: ignore[list-item]
        assert [h.bib_id for h in search_titles(session, SearchQuery("ﾈｺの手帖")).hits] == [bib.id]
        by_author = search_titles(session, SearchQuery("ヤマダハナコ", SearchField.AUTHOR))
        assert [h.bib_id for h in by_author.hits] == [bib.id]
        session.rollback()


@pytest.mark.parametrize("field", list(SearchField))
def test_terms_of_three_characters_use_the_trigram_indexes(both: dict[str, Session], field: SearchField) -> None:
    """The finder's expressions are the very ones migration 0008 indexed (else no plan could use them)."""
    where, params = condition(("わがはい",), field)
    session = both["postgresql"]
    with session.begin():
        session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.execute(sa.text(f"EXPLAIN SELECT id FROM bib WHERE {where}"), params).scalars())
        session.rollback()
    wanted = {SearchField.KEYWORD: ("title", "author"), SearchField.TITLE: ("title",), SearchField.AUTHOR: ("author",)}
    for part in wanted[field]:
        assert f"ix_bib_trgm_{part}" in plan


def test_like_wildcards_in_terms_are_plain_characters() -> None:
    assert like_pattern("100%_\\") == "%100\\%\\_\\\\%"
