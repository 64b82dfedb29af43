"""Catalogue search index (SQLite): folded text per title, an FTS5 trigram index over it, triggers.

`bib_search` holds, per title, the folded text that search matches, split in two fields:
`title` (title, subtitle, readings, original title) and `author` (contributors and their readings).
They come from `bib.search_text`, whose first line is the title part and second line the author
part (see `central.search.text`). `bib_fts` is an external-content FTS5 index over `bib_search`
with the trigram tokenizer, so any substring of three or more characters is an index lookup;
shorter queries scan `bib_search`, a narrow plain table.

Triggers on `bib` keep both in step with every insert, update and delete, whoever makes it, so a
title added any way is findable. A title stored without `search_text` is indexed by its raw title
fields (SQL cannot fold kana), until a service fills `search_text`.

Later migrations: a batch ("move and copy") rebuild of `bib` drops these triggers with the old
table; recreate them afterwards (tests/central/test_search.py checks that titles added after
the last migration are still found).

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


def _index_new_row() -> str:
    """Statements that add `new` to bib_search and bib_fts."""
    title, author = _TITLE_PART.format(row="new"), _AUTHOR_PART.format(row="new")
    return f"""
        INSERT INTO bib_search (bib_id, title, author, sort_key)
        VALUES (new.id, {title}, {author}, new.sort_key);
        INSERT INTO bib_fts (rowid, title, author)
        SELECT bib_id, title, author FROM bib_search WHERE bib_id = new.id;"""


# External-content FTS5 must be told the exact old values to forget, so they are read back first.
_FORGET_OLD_ROW = """
        INSERT INTO bib_fts (bib_fts, rowid, title, author)
        SELECT 'delete', bib_id, title, author FROM bib_search WHERE bib_id = old.id;
        DELETE FROM bib_search WHERE bib_id = old.id;"""

_INDEXED_COLUMNS = "id, title, title_reading, subtitle, subtitle_reading, original_title, search_text, sort_key"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        """CREATE TABLE bib_search (
            bib_id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            author TEXT NOT NULL,
            sort_key TEXT NOT NULL
        )"""
    )
    op.execute(
        "CREATE VIRTUAL TABLE bib_fts USING fts5("
        "title, author, content='bib_search', content_rowid='bib_id', tokenize='trigram')"
    )
    op.execute(f"CREATE TRIGGER bib_search_ai AFTER INSERT ON bib BEGIN {_index_new_row()}\n    END")
    op.execute(f"CREATE TRIGGER bib_search_ad AFTER DELETE ON bib BEGIN {_FORGET_OLD_ROW}\n    END")
    op.execute(
        f"CREATE TRIGGER bib_search_au AFTER UPDATE OF {_INDEXED_COLUMNS} ON bib "
        f"BEGIN {_FORGET_OLD_ROW}{_index_new_row()}\n    END"
    )
    title, author = _TITLE_PART.format(row="bib"), _AUTHOR_PART.format(row="bib")
    op.execute(
        f"INSERT INTO bib_search (bib_id, title, author, sort_key) SELECT id, {title}, {author}, sort_key FROM bib"
    )
    op.execute("INSERT INTO bib_fts (bib_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("bib_search_ai", "bib_search_ad", "bib_search_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS bib_fts")
    op.execute("DROP TABLE IF EXISTS bib_search")
