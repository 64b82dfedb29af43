"""Alembic environment: runs on the connection `central.db.migrate` hands in, or on CENTRAL_DATABASE_URL.

Autogenerate (and `alembic check`) compares the database with the SQLModel metadata. The catalogue
search index is made by raw SQL in its migrations and has no model, so it is left out of that
comparison - only it: every other table or index missing from the models still counts as drift.
"""

from typing import Any

from alembic import context
from sqlalchemy import Connection

from central.models import metadata

# SQLite, migration 0002: the folded text, its numbers table, and two FTS5 virtual tables with the
# shadow tables FTS5 makes for them (one external-content, one contentless: neither has `_content`).
SEARCH_TABLES = frozenset(
    {
        "bib_search",
        "search_position",
        "bib_fts",
        "bib_fts_data",
        "bib_fts_idx",
        "bib_fts_docsize",
        "bib_fts_config",
        "bib_chars",
        "bib_chars_data",
        "bib_chars_idx",
        "bib_chars_docsize",
        "bib_chars_config",
    }
)
# Migration 0002's index on bib_search (SQLite), and 0008's pg_trgm GIN indexes on bib (PostgreSQL).
SEARCH_INDEXES = frozenset(("ix_bib_search_sort_key", "ix_bib_trgm_title", "ix_bib_trgm_author"))


def include_object(_object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """False for the search index's own tables and indexes, found in the database and not modelled."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from central.db import make_engine
    from central.settings import Settings

    engine = make_engine(Settings().database_url)
    with engine.begin() as conn:
        _run(conn)


run_migrations_online()
