"""Marks of the change log's newest id at each nightly run, so that old entries can be forgotten.

No reading history: one transaction's entries sit in rows with consecutive ids, so a desk lend's
copy and patron could be paired in the change log for good. The nightly job now records where
the log stood (these marks) and forgets the entries older than `CENTRAL_CHANGE_LOG_DAYS`; a van
whose cursor is older takes a full snapshot on its next pull.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from central.models.base import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_change_log_mark_at"), "change_log_mark", ["at"], unique=False)


def downgrade() -> None:
    """The entries already forgotten stay forgotten (vans whose cursor was older take a full
    snapshot either way); only the marks go."""
    op.drop_index(op.f("ix_change_log_mark_at"), table_name="change_log_mark")
    op.drop_table("change_log_mark")
