"""`sync_operation` keeps only the indexes central's look-ups use.

`op_id` is a random UUID the node gives each operation; nothing at central looks an operation up by
it (a batch's operations are found by node, epoch and sequence, and told apart from a diverging
history by their hash, which covers the op_id). Its unique index made every insert touch a random
page of an index that grows for ever: on the benchmark's day alone it was a third of the cost of
writing the operation rows. `ix_sync_operation_node_id` repeats the leading column of the unique
(node_id, epoch, seq) constraint.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_operation_node_id")
        batch_op.drop_constraint("uq_sync_operation_op_id", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_sync_operation_op_id", ["op_id"])
        batch_op.create_index("ix_sync_operation_node_id", ["node_id"], unique=False)
