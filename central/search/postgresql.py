"""PostgreSQL search over the pg_trgm indexes of migration 0008: the same matches as SQLite's.

Every term must occur as a substring of the folded text (`LIKE '%term%'`), in the title part, the
author part or either, as on SQLite. Terms of three or more characters are looked up in the
trigram indexes; one- and two-character terms have no trigram, and PostgreSQL checks them on the
rows it reads (alone, a scan of the folded text). Terms hold no whitespace, so no match spans two
parts or two words, which is what SQLite's per-character phrases guarantee.

Order, as on SQLite: relevance, then reading order, then id; reading order alone past MAX_RANKED
matches. Relevance here is bm25's gist without its statistics: terms found in the title part weigh
twice those in the author part, and among equals the shorter text (where the terms say more) comes
first. Reading order compares sort keys by code point (`COLLATE "C"`), as SQLite does, whatever
the database's own collation.

This is the only module that writes PostgreSQL-specific search SQL. User input never reaches the
SQL text: each term travels as a bound LIKE pattern with its wildcards escaped.
"""

from sqlalchemy import Connection, text

from central.search.text import QueryTerms
from central.search.types import MAX_RANKED, SearchField

# The two parts of `bib.search_text`, spelled exactly as migration 0008 indexes them (the planner
# uses an expression index only for the identical expression; tests check it does). A title
# without folded text yet is matched by its raw title fields, lowered, as SQLite's triggers do.
TITLE_PART = (
    "(CASE WHEN search_text = '' THEN lower(btrim(title || ' ' || title_reading || ' ' || subtitle || ' ' || "
    "subtitle_reading || ' ' || original_title)) ELSE split_part(search_text, chr(10), 1) END)"
)
AUTHOR_PART = "split_part(search_text, chr(10), 2)"

_PARTS: dict[SearchField, tuple[tuple[str, int], ...]] = {
    SearchField.KEYWORD: ((TITLE_PART, 2), (AUTHOR_PART, 1)),
    SearchField.TITLE: ((TITLE_PART, 2),),
    SearchField.AUTHOR: ((AUTHOR_PART, 1),),
}
_READING_ORDER = 'sort_key COLLATE "C", id'


def like_pattern(term: str) -> str:
    """`term` as a LIKE pattern matching it anywhere: its own %, _ and \\ are plain characters."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def condition(terms: tuple[str, ...], field: SearchField) -> tuple[str, dict[str, str]]:
    """The WHERE condition (and its parameters): every term in one of the field's parts."""
    conditions, params = [], {}
    for i, term in enumerate(terms):
        params[f"p{i}"] = like_pattern(term)
        found = " OR ".join(f"{part} LIKE :p{i}" for part, _ in _PARTS[field])
        conditions.append(f"({found})")
    return " AND ".join(conditions), params


def _relevance(terms: tuple[str, ...], field: SearchField) -> str:
    """ORDER BY terms: weighted parts holding each term, then the shorter text, then reading order."""
    hits = " + ".join(
        f"{weight} * ({part} LIKE :p{i})::int" for i in range(len(terms)) for part, weight in _PARTS[field]
    )
    length = " + ".join(f"length({part})" for part, _ in _PARTS[field])
    return f"{hits} DESC, {length}, {_READING_ORDER}"


def find(
    connection: Connection, terms: QueryTerms, field: SearchField, limit: int, offset: int
) -> tuple[int, list[int]]:
    """How many titles match every term, and the ids of `limit` of them from `offset`, best first."""
    if terms.empty:
        return 0, []
    every = terms.indexed + terms.short
    where, params = condition(every, field)
    total = connection.execute(text(f"SELECT count(*) FROM bib WHERE {where}"), params).scalar_one()
    if offset >= total:
        return total, []
    order = _relevance(every, field) if total <= MAX_RANKED else _READING_ORDER
    rows = connection.execute(
        text(f"SELECT id FROM bib WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset},
    )
    return total, list(rows.scalars())
