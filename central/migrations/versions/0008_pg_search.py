"""Catalogue search index (PostgreSQL): pg_trgm over the same folded text as SQLite's 0002.

Two GIN trigram indexes, one per part of `bib.search_text` (first line: title part; second line:
author part; see `central.search.text`), as expression indexes over `bib` itself: PostgreSQL keeps
them current on every write, whoever makes it, so no side table and no triggers are needed. A
title stored without `search_text` is matched by its raw title fields, lowered, exactly as the
SQLite triggers index it, until a service fills `search_text`.

`central.search.postgresql` queries with the very same expressions (the planner uses an expression
index only for an identical one); tests/central/test_search_postgresql.py checks that it does.

Trigrams answer `LIKE '%term%'` for terms of three or more characters. Shorter terms have no
trigram to look up; they are checked by a scan of the folded text (a catalogue of some ten
thousand titles is read in milliseconds).

The database's character classification must know Japanese for trigrams to be extracted from it
(any UTF-8 locale such as C.UTF-8 or ja_JP.UTF-8; see docs/deployment.md). Under plain "C" the
results stay the same, only slower.

SQLite: a no-op (its index is 0002's FTS5 tables).

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TITLE_PART = (
    "(CASE WHEN search_text = '' THEN lower(btrim(title || ' ' || title_reading || ' ' || subtitle || ' ' || "
    "subtitle_reading || ' ' || original_title)) ELSE split_part(search_text, chr(10), 1) END)"
)
AUTHOR_PART = "split_part(search_text, chr(10), 2)"
INDEXES = {"ix_bib_trgm_title": TITLE_PART, "ix_bib_trgm_author": AUTHOR_PART}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON bib USING gin (({expression}) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
