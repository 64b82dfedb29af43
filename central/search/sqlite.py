"""SQLite search: FTS5 trigram lookups for terms of three or more characters, a scan for shorter ones.

The index (`bib_fts` over `bib_search`, kept current by triggers on `bib`) is created by migration
0002. This is the only module that writes SQLite-specific search SQL; a PostgreSQL module with the
same `find` signature will use its own index.

User input never reaches the SQL text: terms travel as bound parameters, and inside the FTS5 query
string each term is one double-quoted phrase, so operators (AND, NEAR, *, :, ^) are just characters.
"""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from central.search.text import QueryTerms
from central.search.types import SearchField

_COLUMNS: dict[SearchField, tuple[str, ...]] = {
    SearchField.KEYWORD: ("title", "author"),
    SearchField.TITLE: ("title",),
    SearchField.AUTHOR: ("author",),
}
# Title matches weigh more than author matches when both columns are searched.
_BM25 = "bm25(bib_fts, 2.0, 1.0)"
_ORDER = "s.sort_key, s.bib_id"


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 phrase: double-quoted, inner quotes doubled (FTS5's only escape)."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: tuple[str, ...], field: SearchField) -> str:
    """The FTS5 query requiring every term, restricted to the field's columns."""
    columns = " ".join(_COLUMNS[field])
    return "{" + columns + "} : (" + " AND ".join(fts_phrase(t) for t in terms) + ")"


@dataclass(frozen=True)
class _Plan:
    """The pieces of one search: FROM clause, WHERE clause, its parameters and the relevance."""

    source: str
    where: str
    params: dict[str, str]
    relevance: str


def _short_filters(terms: tuple[str, ...], field: SearchField) -> tuple[list[str], dict[str, str]]:
    """A condition per short term (found in any of the field's columns), by `instr` on folded text."""
    filters, params = [], {}
    for i, term in enumerate(terms):
        params[f"s{i}"] = term
        found = " OR ".join(f"instr(s.{column}, :s{i}) > 0" for column in _COLUMNS[field])
        filters.append(f"({found})")
    return filters, params


def _plan(terms: QueryTerms, field: SearchField) -> _Plan:
    filters, params = _short_filters(terms.short, field)
    if terms.indexed:
        params["match"] = match_expression(terms.indexed, field)
        return _Plan(
            source="bib_fts JOIN bib_search AS s ON s.bib_id = bib_fts.rowid",
            where=" AND ".join(["bib_fts MATCH :match", *filters]),
            params=params,
            relevance=_BM25,
        )
    # No index lookup possible: scan. Like bm25, rank matches in the title part above matches in
    # the author part only, and short texts (where the term weighs more) above long ones.
    first = _COLUMNS[field][0]
    misses = " + ".join(f"(instr(s.{first}, :s{i}) = 0)" for i in range(len(terms.short)))
    relevance = f"{misses}, length(s.{first})"
    return _Plan(source="bib_search AS s", where=" AND ".join(filters), params=params, relevance=relevance)


def _count(connection: Connection, plan: _Plan, terms: QueryTerms) -> int:
    if terms.indexed and not terms.short:
        # Counting needs no row from bib_search: stay inside the index.
        sql = "SELECT count(*) FROM bib_fts WHERE bib_fts MATCH :match"
    else:
        sql = f"SELECT count(*) FROM {plan.source} WHERE {plan.where}"
    return connection.execute(text(sql), plan.params).scalar_one()


def find(
    connection: Connection, terms: QueryTerms, field: SearchField, limit: int, offset: int
) -> tuple[int, list[int]]:
    """How many titles match every term, and the ids of `limit` of them from `offset`, best first.

    Order: relevance (bm25 when the index was used), then reading order (sort_key), then id.
    """
    if terms.empty:
        return 0, []
    plan = _plan(terms, field)
    total = _count(connection, plan, terms)
    if offset >= total:
        return total, []
    sql = (
        f"SELECT s.bib_id FROM {plan.source} WHERE {plan.where} "
        f"ORDER BY {plan.relevance}, {_ORDER} LIMIT :limit OFFSET :offset"
    )
    rows = connection.execute(text(sql), {**plan.params, "limit": limit, "offset": offset})
    return total, list(rows.scalars())
