"""Patrons' internet service: server-side sessions and the sign-in throttle's failure log.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import central.models.base

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "websession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("credential_stamp", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patron_id"], ["patron.id"], name=op.f("fk_websession_patron_id_patron")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_websession")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_websession_token_hash")),
    )
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_websession_patron_id"), ["patron_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_websession_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "signinfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signinfailure")),
    )
    with op.batch_alter_table("signinfailure", schema=None) as batch_op:
        batch_op.create_index("ix_signinfailure_key_at", ["key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signinfailure", schema=None) as batch_op:
        batch_op.drop_index("ix_signinfailure_key_at")
    op.drop_table("signinfailure")
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_websession_expires_at"))
        batch_op.drop_index(batch_op.f("ix_websession_patron_id"))
    op.drop_table("websession")
