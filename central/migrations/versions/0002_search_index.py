"""Catalogue search index (SQLite): folded text per title, two FTS5 indexes over it, and triggers.

`bib_search` holds, per title, the folded text that search matches, in two fields: `title`
(title, subtitle, readings, original title) and `author` (contributors and their readings).
They come from `bib.search_text`, whose first line is the title part and second line the author
part (see `central.search.text`). Two FTS5 indexes cover it:

- `bib_fts` (trigram tokenizer, external content `bib_search`): terms of three or more characters.
- `bib_chars` (contentless, one token per character): terms of one or two characters, which
  trigrams cannot look up. The triggers feed it the text with a space after every character
  (a numbers table, `search_position`, splits it: triggers may not use recursive queries), so a
  two-character term is a two-token phrase. Part separators become U+E000, a token no query
  contains, so no phrase matches across two parts.

Triggers on `bib` keep all three in step with every insert, update and delete, whoever makes
it, so a title added any way is findable. A title stored without `search_text` is indexed by its
raw title fields (SQL cannot fold kana) until a service fills `search_text`.

Later migrations: a batch ("move and copy") rebuild of `bib` drops these triggers with the old
table; recreate them afterwards (tests/central/test_search.py checks that titles added after the
last migration are still found).

PostgreSQL: a no-op for now. Its own index (pg_trgm over the same folded text) comes with the
PostgreSQL issue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Characters of one field indexed for one- and two-character terms (longer texts are cut there).
_MAX_POSITION = 2000

_TITLE_FIELDS = (
    "lower(trim({row}.title || ' ' || {row}.title_reading || ' ' || {row}.subtitle || ' ' || "
    "{row}.subtitle_reading || ' ' || {row}.original_title))"
)
_TITLE_PART = (
    "CASE WHEN {row}.search_text = '' THEN " + _TITLE_FIELDS + " "
    "WHEN instr({row}.search_text, char(10)) = 0 THEN {row}.search_text "
    "ELSE substr({row}.search_text, 1, instr({row}.search_text, char(10)) - 1) END"
)
_AUTHOR_PART = (
    "CASE WHEN instr({row}.search_text, char(10)) = 0 THEN '' "
    "ELSE substr({row}.search_text, instr({row}.search_text, char(10)) + 1) END"
)
# `{column}` of bib_search as separate characters: "ねこ である" becomes "ね こ \ue000 で あ る".
_SPACED = (
    "(SELECT group_concat(c, ' ') FROM (SELECT substr(replace({column}, ' ', char(57344)), n, 1) AS c "
    "FROM search_position WHERE n <= length({column}) ORDER BY n))"
)
_CHARS_VALUES = "bib_id, " + _SPACED.format(column="title") + ", " + _SPACED.format(column="author")
_CHARS_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co'"


def _index_new_row() -> str:
    """Statements that add `new` to bib_search, bib_fts and bib_chars."""
    title, author = _TITLE_PART.format(row="new"), _AUTHOR_PART.format(row="new")
    return f"""
        INSERT INTO bib_search (bib_id, title, author, sort_key)
        VALUES (new.id, {title}, {author}, new.sort_key);
        INSERT INTO bib_fts (rowid, title, author)
        SELECT bib_id, title, author FROM bib_search WHERE bib_id = new.id;
        INSERT INTO bib_chars (rowid, title, author)
        SELECT {_CHARS_VALUES} FROM bib_search WHERE bib_id = new.id;"""


# FTS5 external-content and contentless tables forget a row only when told its exact old values.
_FORGET = """
        INSERT INTO bib_fts (bib_fts, rowid, title, author)
        SELECT 'delete', bib_id, title, author FROM bib_search WHERE bib_id = {row}.id;
        INSERT INTO bib_chars (bib_chars, rowid, title, author)
        SELECT 'delete', {chars} FROM bib_search WHERE bib_id = {row}.id;
        DELETE FROM bib_search WHERE bib_id = {row}.id;"""


def _forget(row: str) -> str:
    """Statements that drop the indexed text of `row`'s id, if there is any."""
    return _FORGET.format(row=row, chars=_CHARS_VALUES)


_INDEXED_COLUMNS = "id, title, title_reading, subtitle, subtitle_reading, original_title, search_text, sort_key"


def _create_tables() -> None:
    op.execute(
        """CREATE TABLE bib_search (
            bib_id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            author TEXT NOT NULL,
            sort_key TEXT NOT NULL
        )"""
    )
    # Reading order without sorting: the results of a short term matching much of the catalogue.
    op.execute("CREATE INDEX ix_bib_search_sort_key ON bib_search (sort_key, bib_id)")
    op.execute("CREATE TABLE search_position (n INTEGER PRIMARY KEY)")
    op.execute(
        "WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < "
        f"{_MAX_POSITION}) INSERT INTO search_position (n) SELECT n FROM p"
    )
    op.execute(
        "CREATE VIRTUAL TABLE bib_fts USING fts5("
        "title, author, content='bib_search', content_rowid='bib_id', tokenize='trigram')"
    )
    op.execute(f"CREATE VIRTUAL TABLE bib_chars USING fts5(title, author, content='', tokenize=\"{_CHARS_TOKENIZER}\")")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _create_tables()
    # An INSERT OR REPLACE deletes the old row without a delete trigger: the insert forgets it too.
    op.execute(f"CREATE TRIGGER bib_search_ai AFTER INSERT ON bib BEGIN {_forget('new')}{_index_new_row()}\n    END")
    op.execute(f"CREATE TRIGGER bib_search_ad AFTER DELETE ON bib BEGIN {_forget('old')}\n    END")
    op.execute(
        f"CREATE TRIGGER bib_search_au AFTER UPDATE OF {_INDEXED_COLUMNS} ON bib "
        f"BEGIN {_forget('old')}{_index_new_row()}\n    END"
    )
    title, author = _TITLE_PART.format(row="bib"), _AUTHOR_PART.format(row="bib")
    op.execute(
        f"INSERT INTO bib_search (bib_id, title, author, sort_key) SELECT id, {title}, {author}, sort_key FROM bib"
    )
    op.execute("INSERT INTO bib_fts (bib_fts) VALUES ('rebuild')")
    op.execute(f"INSERT INTO bib_chars (rowid, title, author) SELECT {_CHARS_VALUES} FROM bib_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("bib_search_ai", "bib_search_ad", "bib_search_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("bib_chars", "bib_fts", "search_position", "bib_search"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
