"""Japanese search on the real Aozora Bunko catalogue: folding, short queries, fields, paging, availability."""

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, event, select
from sqlmodel import Session

from central.catalog import import_catalog
from central.db import make_engine, migrate, new_session
from central.models import Bib, Contributor, Hold, HoldStatus, Item, ItemStatus, Location, LocationKind, Patron
from central.search import (
    Availability,
    InvalidSearchRequest,
    SearchField,
    SearchPage,
    SearchQuery,
    refresh_search_text,
    search_titles,
)
from central.search.sqlite import MAX_RANKED
from sync_protocol.normalize import fold_for_search

# SQLite's FTS5 machinery (triggers, integrity checks, INSERT OR REPLACE); PostgreSQL's search is
# compared with this one in test_search_postgresql.py.
pytestmark = pytest.mark.sqlite_only

AOZORA = Path(__file__).parents[2] / "central" / "data" / "aozora" / "works.csv.gz"
WAGAHAI = "吾輩は猫である"
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the real catalogue, imported once for the module."""
    path = tmp_path_factory.mktemp("search") / "central.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with new_session(engine) as session:
        import_catalog(session, AOZORA)
    engine.dispose()
    return path


@pytest.fixture
def session(imported: Path, tmp_path: Path) -> Iterator[Session]:
    """A session on this test's own copy of the catalogue (tests may write to it)."""
    path = tmp_path / "central.db"
    shutil.copy(imported, path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        yield session
    engine.dispose()


def _search(session: Session, text: str, field: SearchField = SearchField.KEYWORD, **paging: int) -> SearchPage:
    session.rollback()  # end the reads of the test's own helpers
    page = search_titles(session, SearchQuery(text, field, **paging))
    # The search ended the transaction it began: SQLite's write lock is not held past it.
    assert not session.in_transaction()
    return page


def _all_ids(session: Session, text: str, field: SearchField = SearchField.KEYWORD) -> list[int]:
    """Every matching title, in result order, across all pages."""
    ids, page = [], 1
    while True:
        result = _search(session, text, field, page=page, per_page=100)
        ids += [hit.bib_id for hit in result.hits]
        if page >= result.pages:
            return ids
        page += 1


def _titles(session: Session, text: str, field: SearchField = SearchField.KEYWORD) -> set[str]:
    ids = _all_ids(session, text, field)
    return set(session.exec(select(Bib.title).where(Bib.id.in_(ids))).scalars())


def _bib_id(session: Session, source_id: str) -> int:
    bib_id = session.exec(select(Bib.id).where(Bib.source_id == source_id)).one()[0]
    session.rollback()
    return bib_id


def test_neko_in_kanji_and_in_kana_finds_wagahai_wa_neko_de_aru(session: Session) -> None:
    assert WAGAHAI in _titles(session, "猫")
    assert WAGAHAI in _titles(session, "ねこ")
    assert _search(session, "吾輩は猫").hits[0].title == WAGAHAI


def test_search_folds_katakana_and_halfwidth(session: Session) -> None:
    results = {q: _all_ids(session, q) for q in ("ねこ", "ネコ", "ﾈｺ")}
    assert len({tuple(ids) for ids in results.values()}) == 1
    assert len(results["ねこ"]) > 50
    # Three-character queries (the trigram index) fold the same way, latin letters included.
    assert _all_ids(session, "わがはい") == _all_ids(session, "ワガハイ") == _all_ids(session, "ﾜｶﾞﾊｲ")
    assert _all_ids(session, "sleepy") == _all_ids(session, "ＳＬＥＥＰＹ") == _all_ids(session, "Sleepy")
    assert "スリーピー・ホローの伝説" in _titles(session, "ＳＬＥＥＰＹ")


def test_one_and_two_character_queries_match_substrings_best_first(session: Session) -> None:
    gate = _search(session, "門")
    assert gate.total > 10
    assert "門" in [hit.title for hit in gate.hits[:3]]
    for hit in _search(session, "漱石", SearchField.AUTHOR, per_page=100).hits:
        assert any("漱石" in person.name for person in hit.contributors)
    ids = _all_ids(session, "ねこ")
    texts = session.exec(select(Bib.search_text).where(Bib.id.in_(ids))).scalars().all()
    assert len(texts) == len(ids) and all("ねこ" in folded for folded in texts)


def test_two_character_phrases_do_not_span_two_fields(session: Session) -> None:
    # 吾輩は猫である's title ends in る and its reading starts with わ: "るわ" is in neither.
    wagahai = _bib_id(session, "aozora:000789")
    assert wagahai not in _all_ids(session, "るわ")
    assert wagahai in _all_ids(session, "はね")


def _sort_keys(session: Session, ids: list[int]) -> list[tuple[int, str]]:
    """(length of the folded text, sort key) of each title, in the order given."""
    rows = {bib_id: (len(folded), key) for bib_id, folded, key in session.exec(
        select(Bib.id, Bib.search_text, Bib.sort_key).where(Bib.id.in_(ids))
    )}  # fmt: skip
    return [rows[bib_id] for bib_id in ids]


def test_equally_relevant_titles_come_in_reading_order(session: Session) -> None:
    hits = _search(session, "漱石", SearchField.AUTHOR, per_page=100).hits
    soseki_only = [hit.bib_id for hit in hits if [p.name for p in hit.contributors] == ["夏目 漱石"]]
    assert len(soseki_only) > 20
    keys = _sort_keys(session, soseki_only)
    # Same author field and same length: the same bm25, so reading order decides.
    for (length, key), (next_length, next_key) in pairwise(keys):
        assert length != next_length or key <= next_key


def test_short_terms_found_in_most_titles_list_them_in_reading_order(session: Session) -> None:
    first, second = _search(session, "の", per_page=50), _search(session, "ノ", page=2, per_page=50)
    assert first.total > MAX_RANKED
    keys = [key for _, key in _sort_keys(session, [h.bib_id for h in first.hits + second.hits])]
    assert keys == sorted(keys)


def test_author_search_by_name_and_by_reading(session: Session) -> None:
    by_name = _all_ids(session, "夏目漱石", SearchField.AUTHOR)
    assert len(by_name) > 100
    assert by_name == _all_ids(session, "なつめそうせき", SearchField.AUTHOR)
    assert by_name == _all_ids(session, "ナツメソウセキ", SearchField.AUTHOR)
    assert set(by_name) == set(_all_ids(session, "夏目 漱石", SearchField.AUTHOR))
    for hit in _search(session, "なつめそうせき", SearchField.AUTHOR, per_page=100).hits:
        assert "夏目 漱石" in [p.name for p in hit.contributors]


def test_title_field_ignores_authors_and_keyword_covers_both(session: Session) -> None:
    ids = _all_ids(session, "夏目漱石", SearchField.TITLE)
    about_soseki = {bib.title: bib for bib in session.exec(select(Bib).where(Bib.id.in_(ids))).scalars()}
    assert about_soseki and all("夏目漱石" in bib.title + bib.subtitle for bib in about_soseki.values())
    assert "こころ" not in about_soseki
    keyword = _titles(session, "夏目漱石")
    assert set(about_soseki) < keyword and "こころ" in keyword


def test_every_term_must_match(session: Session) -> None:
    hits = _search(session, "夏目 こころ").hits
    assert "こころ" in [hit.title for hit in hits]
    assert all("夏目 漱石" in [p.name for p in hit.contributors] for hit in hits)
    mixed = _search(session, "猫 なつめそうせき").hits
    assert WAGAHAI in [hit.title for hit in mixed]


def test_paging_splits_the_results_and_counts_them_all(session: Session) -> None:
    everything = _search(session, "の", per_page=100)
    assert everything.total > 1000
    first, second = _search(session, "の", per_page=10), _search(session, "の", page=2, per_page=10)
    assert (first.total, second.total) == (everything.total, everything.total)
    assert [h.bib_id for h in first.hits + second.hits] == [h.bib_id for h in everything.hits[:20]]
    assert first.pages == -(-everything.total // 10)
    beyond = _search(session, "の", page=first.pages + 1, per_page=10)
    assert (beyond.total, beyond.hits) == (everything.total, ())
    ranked = [_search(session, "ねこで", page=p, per_page=2) for p in (1, 2)]
    top_four = [h.bib_id for h in _search(session, "ねこで").hits[:4]]
    assert [h.bib_id for h in ranked[0].hits + ranked[1].hits] == top_four


@pytest.mark.parametrize(("page", "per_page"), [(0, 20), (1, 0), (1, 101)])
def test_out_of_range_paging_is_refused(session: Session, page: int, per_page: int) -> None:
    with pytest.raises(InvalidSearchRequest) as raised:
        search_titles(session, SearchQuery("猫", page=page, per_page=per_page))
    assert raised.value.code.startswith("search_bad_page") and raised.value.ja


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_empty_queries_match_nothing(session: Session, text: str) -> None:
    assert (_search(session, text).total, _search(session, text).hits) == (0, ())


@pytest.mark.parametrize(
    "text",
    ['"', 'ねこ"', "猫 OR 犬", "NOT 猫", "title:猫", "{title}: 猫", "NEAR(猫 犬)", "猫*", "^猫", "'; DROP TABLE bib;"],
)
def test_fts_query_syntax_is_taken_literally(session: Session, text: str) -> None:
    ids = _all_ids(session, text)
    terms = fold_for_search(text).split()
    for search_text in session.exec(select(Bib.search_text).where(Bib.id.in_(ids))).scalars():
        assert all(term in search_text for term in terms)
    assert _search(session, "猫").total > 0  # the catalogue is intact


def _shelve(session: Session, bib_id: int, other_id: int) -> None:
    """Copies and holds for `bib_id` (and one shelf copy for `other_id`)."""
    with session.begin():
        main = Location(code="MAIN", kind=LocationKind.MAIN, name="本館")
        session.add(main)
        session.flush()
        patron = Patron(
            card_number="1000001",
            name="利用者",
            birth_date=date(1990, 1, 1),
            registered_at=NOW,
            registered_location_id=main.id,
        )
        session.add(patron)
        statuses = [ItemStatus.AVAILABLE, ItemStatus.AVAILABLE, ItemStatus.ON_LOAN, ItemStatus.MISSING]
        for n, status in enumerate(statuses):
            session.add(Item(barcode=f"B{n:04d}", bib_id=bib_id, home_location_id=main.id,
                             current_location_id=main.id, status=status, created_at=NOW))  # fmt: skip
        session.add(Item(barcode="B9999", bib_id=other_id, home_location_id=main.id,
                         current_location_id=main.id, created_at=NOW))  # fmt: skip
        session.flush()
        hold_statuses = [HoldStatus.QUEUED, HoldStatus.IN_TRANSIT, HoldStatus.READY, HoldStatus.FULFILLED]
        for n, status in enumerate([*hold_statuses, HoldStatus.CANCELLED], start=1):
            session.add(Hold(patron_id=patron.id, bib_id=bib_id, pickup_location_id=main.id,
                             contact_method="email", queue_number=n, status=status, placed_at=NOW))  # fmt: skip


def test_availability_counts_copies_on_shelf_on_loan_and_open_holds(session: Session) -> None:
    wagahai, kokoro = _bib_id(session, "aozora:000789"), _bib_id(session, "aozora:000773")
    _shelve(session, wagahai, kokoro)
    hits = {hit.bib_id: hit for hit in _search(session, "なつめそうせき", per_page=100).hits}
    assert hits[wagahai].availability == Availability(on_shelf=2, on_loan=1, holds_waiting=3)
    assert hits[kokoro].availability == Availability(on_shelf=1, on_loan=0, holds_waiting=0)
    assert sum(hit.availability == Availability() for hit in hits.values()) == len(hits) - 2


def test_result_details_take_the_same_number_of_queries_for_any_page_size(session: Session) -> None:
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        counts = []
        for per_page in (5, 100):
            statements.clear()
            assert len(_search(session, "なつめそうせき", per_page=per_page).hits) == per_page
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert counts[0] == counts[1] <= 8


def test_title_added_through_the_orm_is_found_and_refreshed(session: Session) -> None:
    with session.begin():
        bib = Bib(title="ネコの手帖", title_reading="ねこのてちょう")
        session.add(bib)
        session.flush()
        bib_id = bib.id
    # Without folded text the title is still indexed, from its raw fields.
    assert _all_ids(session, "ねこのてちょう") == [bib_id]
    with session.begin():
        session.add(Contributor(bib_id=bib_id, name="山田 花子", name_reading="やまだ はなこ"))
        refresh_search_text(session, [bib_id])
        assert session.get(Bib, bib_id).sort_key == "ねこのてちょう"
    assert _all_ids(session, "ﾈｺの手帖") == [bib_id]
    assert _all_ids(session, "ヤマダハナコ", SearchField.AUTHOR) == [bib_id]
    with session.begin():
        bib = session.get(Bib, bib_id)
        bib.title, bib.title_reading = "イヌの手帖", "いぬのてちょう"
        refresh_search_text(session, [bib_id])
    assert _all_ids(session, "ねこの手帖") == []
    assert _all_ids(session, "いぬの手帖") == [bib_id]
    with session.begin():
        session.execute(delete(Contributor).where(Contributor.bib_id == bib_id))
        session.delete(session.get(Bib, bib_id))
    assert _all_ids(session, "いぬの手帖") == []


def test_titles_written_by_raw_sql_are_indexed_even_when_replaced(session: Session) -> None:
    columns = (
        "id, title, title_reading, subtitle, subtitle_reading, original_title, ndc, publisher, "
        "source_book, first_edition, credit, search_text, sort_key"
    )
    row = "(:id, :title, :reading, '', '', '', '', '', '', '', '', '', '')"
    with session.begin():
        session.execute(sa.text(f"INSERT INTO bib ({columns}) VALUES {row}"), {"id": 90001, "title": "猫の本",
                        "reading": "ねこのほん"})  # fmt: skip
        session.execute(sa.text(f"INSERT OR REPLACE INTO bib ({columns}) VALUES {row}"), {"id": 90001,
                        "title": "犬の本", "reading": "いぬのほん"})  # fmt: skip
    assert 90001 not in _all_ids(session, "ねこのほん") + _all_ids(session, "猫")
    assert _all_ids(session, "いぬのほん") == [90001] == _all_ids(session, "犬の本")
    with session.begin():
        # The trigram index agrees with its content table after every kind of write.
        session.execute(sa.text("INSERT INTO bib_fts (bib_fts, rank) VALUES ('integrity-check', 1)"))
