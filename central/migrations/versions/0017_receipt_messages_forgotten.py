"""A stored receipt says whether the nightly job has emptied its messages, so each night reads only
the receipts taken in since the last one.

Until now the night searched the text of every stored receipt for a message, each night, and loaded
all those it found at once. Receipts stored before this revision are read once more, in chunks,
by the first night after it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("messages_forgotten", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_sync_batch_messages_forgotten", ["messages_forgotten", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_batch_messages_forgotten")
        batch_op.drop_column("messages_forgotten")
