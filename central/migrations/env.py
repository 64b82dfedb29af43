"""Alembic environment: runs on the connection `central.db.migrate` hands in, or on CENTRAL_DATABASE_URL."""

from alembic import context
from sqlalchemy import Connection

from central.models import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
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
