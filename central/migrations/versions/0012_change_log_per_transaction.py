"""The change log keeps one row per scope a transaction changed, listing the keys, not one per key.

A van's batch changes thousands of rows in one transaction; a log row for each cost as much to
write as the rows themselves. Cursors stay valid: the existing rows keep their ids, each now
listing its one key.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOG = sa.table("change_log", sa.column("id", sa.Integer), sa.column("scope"), sa.column("key"), sa.column("keys"))


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keys", sa.Text(), nullable=False, server_default=""))
    op.execute(_LOG.update().values(keys=_LOG.c.key))
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("key")
        batch_op.alter_column("keys", server_default=None)


def downgrade() -> None:
    """One row per key again. Rows listing several keys are written anew above the highest id (a
    van that pulls next gets those changes once more, which is harmless) and then removed."""
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=64), nullable=False, server_default=""))
    connection = op.get_bind()
    several = _LOG.c["keys"].contains(",")
    packed = connection.execute(sa.select(_LOG.c.scope, _LOG.c["keys"]).where(several).order_by(_LOG.c.id)).all()
    for scope, keys in packed:
        for key in keys.split(","):
            connection.execute(_LOG.insert().values(scope=scope, key=key, keys=""))
    connection.execute(_LOG.delete().where(several))
    op.execute(_LOG.update().where(_LOG.c.key == "").values(key=_LOG.c["keys"]))
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("keys")
        batch_op.alter_column("key", server_default=None)
