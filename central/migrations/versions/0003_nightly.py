"""Nightly job: the job lock (a lease row) and the record of each run with its counts per step.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import central.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "joblock",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("acquired_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_joblock")),
    )
    op.create_table(
        "nightlyrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nightlyrun")),
    )
    with op.batch_alter_table("nightlyrun", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nightlyrun_run_date"), ["run_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nightlyrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nightlyrun_run_date"))

    op.drop_table("nightlyrun")
    op.drop_table("joblock")
