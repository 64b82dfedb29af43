"""Sync: nodes, nonces, batches and operations taken in, conflicts, card blocks, change log.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import central.models.base

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_scope_id", ["scope", "id"], unique=False)

    op.create_table(
        "sync_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("public_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enrol_code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enrol_expires_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("high_water", sa.Integer(), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_contact_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_batch_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_pull_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("clock_offset_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_sync_node_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_node")),
        sa.UniqueConstraint("code", name=op.f("uq_sync_node_code")),
    )
    op.create_table(
        "card_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("first", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("last", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("issued_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["sync_node.id"], name=op.f("fk_card_block_node_id_sync_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_block")),
    )
    with op.batch_alter_table("card_block", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_block_node_id"), ["node_id"], unique=False)

    op.create_table(
        "sync_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clock_offset_ms", sa.Integer(), nullable=True),
        sa.Column("receipt", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["sync_node.id"], name=op.f("fk_sync_batch_node_id_sync_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_batch")),
        sa.UniqueConstraint("node_id", "epoch", "sha256", name=op.f("uq_sync_batch_node_id_epoch_sha256")),
    )
    with op.batch_alter_table("sync_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_batch_node_id"), ["node_id"], unique=False)

    op.create_table(
        "sync_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["sync_node.id"], name=op.f("fk_sync_nonce_node_id_sync_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_nonce")),
        sa.UniqueConstraint("node_id", "nonce", name=op.f("uq_sync_nonce_node_id_nonce")),
    )
    with op.batch_alter_table("sync_nonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_nonce_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "sync_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("op_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("wall_time", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("effective_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("received_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["sync_batch.id"], name=op.f("fk_sync_operation_batch_id_sync_batch")),
        sa.ForeignKeyConstraint(["node_id"], ["sync_node.id"], name=op.f("fk_sync_operation_node_id_sync_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_operation")),
        sa.UniqueConstraint("node_id", "epoch", "seq", name=op.f("uq_sync_operation_node_id_epoch_seq")),
        sa.UniqueConstraint("op_id", name=op.f("uq_sync_operation_op_id")),
    )
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_operation_node_id"), ["node_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_operation_received_at"), ["received_at"], unique=False)

    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("van_facts", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("central_facts", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("default_action", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("resolved_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["node_id"], ["sync_node.id"], name=op.f("fk_conflict_node_id_sync_node")),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["sync_operation.id"], name=op.f("fk_conflict_operation_id_sync_operation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict")),
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflict_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_node_id"), ["node_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_status"), ["status"], unique=False)


def downgrade() -> None:
    for table in ("conflict", "sync_operation", "sync_nonce", "sync_batch", "card_block", "sync_node", "change_log"):
        op.drop_table(table)
