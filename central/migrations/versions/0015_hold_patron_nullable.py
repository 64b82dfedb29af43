"""A hold may name no patron: the nightly job clears the patron of a closed hold.

No reading history: a fulfilled, cancelled or expired hold tied its patron to the title for good,
since the column was required. The job now clears it once the grace period has passed, as it does
for returned loans; the row stays (title, status, dates) for the title's statistics. An open hold
always has its patron. On SQLite the table is rebuilt (`central.db.schema_change`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HOLD = sa.table("hold", sa.column("patron_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.alter_column("patron_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Refused once the nightly job has cleared a hold's patron: revision 0014 requires one on
    every hold, and the patron is gone for good (no reading history)."""
    forgotten = (
        op.get_bind()
        .execute(sa.select(sa.func.count()).select_from(_HOLD).where(_HOLD.c.patron_id.is_(None)))
        .scalar_one()
    )
    if forgotten:
        raise RuntimeError(
            f"cannot downgrade below 0015: the nightly job has cleared the patron of {forgotten} closed holds "
            "(no reading history), and revision 0014 requires a patron on every hold"
        )
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.alter_column("patron_id", existing_type=sa.Integer(), nullable=False)
