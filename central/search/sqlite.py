"""SQLite search over the indexes of migration 0002, kept current by triggers on `bib`.

Terms of three or more characters are looked up in `bib_fts` (trigram); when a query has only
shorter terms, `bib_chars` (one token per character) answers them as one- or two-token phrases.
A query with both kinds uses the trigram index and checks its short terms in the matched rows.
This is the only module that writes SQLite-specific search SQL; `central.search.postgresql` has the
same `find` for PostgreSQL.

User input never reaches the SQL text: terms travel as bound parameters, and inside an FTS5 query
string each term is one double-quoted phrase, so operators (AND, NEAR, *, :, ^) are just characters.
"""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from central.search.text import QueryTerms
from central.search.types import MAX_RANKED, SearchField

_COLUMNS: dict[SearchField, tuple[str, ...]] = {
    SearchField.KEYWORD: ("title", "author"),
    SearchField.TITLE: ("title",),
    SearchField.AUTHOR: ("author",),
}
# Title matches weigh more than author matches when both columns are searched.
_WEIGHTS = "2.0, 1.0"
_READING_ORDER = "s.sort_key, s.bib_id"


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 phrase: double-quoted, inner quotes doubled (FTS5's only escape)."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(phrases: list[str], field: SearchField) -> str:
    """The FTS5 query requiring every phrase, restricted to the field's columns."""
    columns = " ".join(_COLUMNS[field])
    return "{" + columns + "} : (" + " AND ".join(phrases) + ")"


def _instr_filters(terms: tuple[str, ...], field: SearchField) -> tuple[list[str], dict[str, str]]:
    """A condition per term (found in any of the field's columns), by `instr` on the folded text."""
    filters, params = [], {}
    for i, term in enumerate(terms):
        params[f"s{i}"] = term
        found = " OR ".join(f"instr(s.{column}, :s{i}) > 0" for column in _COLUMNS[field])
        filters.append(f"({found})")
    return filters, params


@dataclass(frozen=True)
class _Plan:
    """Which FTS5 table answers `:match`, and the `instr` filters on bib_search AS s it leaves."""

    index: str
    filters: list[str]
    params: dict[str, str]

    def count(self) -> str:
        if not self.filters:
            return f"SELECT count(*) FROM {self.index} WHERE {self.index} MATCH :match"
        return f"SELECT count(*) FROM {self._joined()}"

    def ranked(self) -> str:
        """Pages by relevance (bm25), then reading order."""
        return f"SELECT s.bib_id FROM {self._joined()} ORDER BY bm25({self.index}, {_WEIGHTS}), {_READING_ORDER}"

    def in_reading_order(self) -> str:
        """Pages in reading order: walk the sort_key index, keep the titles the index matched."""
        matched = f"s.bib_id IN (SELECT rowid FROM {self.index} WHERE {self.index} MATCH :match)"
        where = " AND ".join([matched, *self.filters])
        return (
            f"SELECT s.bib_id FROM bib_search AS s INDEXED BY ix_bib_search_sort_key "
            f"WHERE {where} ORDER BY {_READING_ORDER}"
        )

    def _joined(self) -> str:
        where = " AND ".join([f"{self.index} MATCH :match", *self.filters])
        return f"{self.index} JOIN bib_search AS s ON s.bib_id = {self.index}.rowid WHERE {where}"


def _plan(terms: QueryTerms, field: SearchField) -> _Plan:
    if terms.indexed:
        filters, params = _instr_filters(terms.short, field)
        params["match"] = match_expression([fts_phrase(t) for t in terms.indexed], field)
        return _Plan(index="bib_fts", filters=filters, params=params)
    # "ねこ" is the phrase of tokens ね, こ in the one-character-per-token index.
    match = match_expression([fts_phrase(" ".join(t)) for t in terms.short], field)
    return _Plan(index="bib_chars", filters=[], params={"match": match})


def find(
    connection: Connection, terms: QueryTerms, field: SearchField, limit: int, offset: int
) -> tuple[int, list[int]]:
    """How many titles match every term, and the ids of `limit` of them from `offset`, best first.

    Order: relevance (bm25), then reading order (sort_key), then id; reading order alone when
    more than MAX_RANKED titles match (read off the sort_key index).
    """
    if terms.empty:
        return 0, []
    plan = _plan(terms, field)
    total = connection.execute(text(plan.count()), plan.params).scalar_one()
    if offset >= total:
        return total, []
    page = plan.ranked() if total <= MAX_RANKED else plan.in_reading_order()
    rows = connection.execute(
        text(f"{page} LIMIT :limit OFFSET :offset"), {**plan.params, "limit": limit, "offset": offset}
    )
    return total, list(rows.scalars())
