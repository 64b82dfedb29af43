"""Catalogue search: the one entry point the web pages, the JSON API and the desk call."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlmodel import Session

from central.search import details, postgresql, sqlite
from central.search.errors import InvalidSearchRequest, SearchUnavailable
from central.search.text import QueryTerms, query_terms
from central.search.types import MAX_PER_PAGE, SearchField, SearchPage, SearchQuery

Finder = Callable[[Connection, QueryTerms, SearchField, int, int], tuple[int, list[int]]]

# One matching module per database dialect; each keeps its SQL to itself.
_FINDERS: dict[str, Finder] = {"sqlite": sqlite.find, "postgresql": postgresql.find}


def _check(query: SearchQuery) -> None:
    if query.page < 1:
        raise InvalidSearchRequest(
            "search_bad_page", "ページ番号は1以上で指定してください。", f"page must be >= 1, got {query.page}"
        )
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise InvalidSearchRequest(
            "search_bad_page_size",
            f"1ページの件数は1から{MAX_PER_PAGE}までで指定してください。",
            f"per_page must be 1..{MAX_PER_PAGE}, got {query.per_page}",
        )


def _finder(connection: Connection) -> Finder:
    finder = _FINDERS.get(connection.dialect.name)
    if finder is None:
        raise SearchUnavailable(
            "search_unavailable",
            "このデータベースでは蔵書検索をまだ利用できません。",
            f"no search index for the {connection.dialect.name} dialect yet",
        )
    return finder


@contextmanager
def _reading(session: Session) -> Iterator[Connection]:
    """The session's connection for a read. A transaction begun here also ends here: on SQLite every
    transaction begins IMMEDIATE, and writers must not wait while the caller renders the results."""
    began = not session.in_transaction()
    try:
        yield session.connection()
    finally:
        if began:
            session.rollback()


def search_titles(session: Session, query: SearchQuery) -> SearchPage:
    """Titles matching every term of `query.text` in `query.field`, one page of them, with availability.

    The text is folded like the index (NFKC, case, katakana to hiragana) and split on spaces; each
    term must occur as a substring. Terms of one or two characters work too. An empty query
    matches nothing. Order: relevance, then reading order; reading order alone when very many
    titles match. Raises InvalidSearchRequest for a page or page size out of range.
    """
    _check(query)
    terms = query_terms(query.text)
    offset = (query.page - 1) * query.per_page
    with _reading(session) as connection:
        total, bib_ids = _finder(connection)(connection, terms, query.field, query.per_page, offset)
        return SearchPage(query=query, total=total, hits=details.hits(connection, bib_ids))
