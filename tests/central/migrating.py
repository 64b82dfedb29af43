"""Moving a test database down Alembic's revisions (the server itself only ever upgrades)."""

from alembic import command
from sqlalchemy import Engine

from central.db import schema_change


def downgrade(engine: Engine, revision: str) -> None:
    with schema_change(engine) as config:
        command.downgrade(config, revision)
