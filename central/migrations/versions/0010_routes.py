"""The bookmobiles' timetable: routes, their stops and time windows, cancelled visits (docs/routes.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import central.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("rule_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("interval_weeks", sa.Integer(), nullable=False),
        sa.Column("nth", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["van_id"], ["location.id"], name=op.f("fk_route_van_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route")),
        sa.UniqueConstraint("code", name=op.f("uq_route_code")),
    )
    with op.batch_alter_table("route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_van_id"), ["van_id"], unique=False)

    op.create_table(
        "route_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("arrives", sa.Time(), nullable=False),
        sa.Column("departs", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(["route_id"], ["route.id"], name=op.f("fk_route_stop_route_id_route")),
        sa.ForeignKeyConstraint(["stop_id"], ["location.id"], name=op.f("fk_route_stop_stop_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_stop")),
        sa.UniqueConstraint("route_id", "stop_id", name=op.f("uq_route_stop_route_id_stop_id")),
    )
    with op.batch_alter_table("route_stop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_stop_route_id"), ["route_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_route_stop_stop_id"), ["stop_id"], unique=False)

    op.create_table(
        "visit_cancellation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["route_id"], ["route.id"], name=op.f("fk_visit_cancellation_route_id_route")),
        sa.ForeignKeyConstraint(["stop_id"], ["location.id"], name=op.f("fk_visit_cancellation_stop_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_cancellation")),
    )
    with op.batch_alter_table("visit_cancellation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_cancellation_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_cancellation_route_id"), ["route_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_cancellation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_cancellation_route_id"))
        batch_op.drop_index(batch_op.f("ix_visit_cancellation_day"))
    op.drop_table("visit_cancellation")
    with op.batch_alter_table("route_stop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_route_stop_stop_id"))
        batch_op.drop_index(batch_op.f("ix_route_stop_route_id"))
    op.drop_table("route_stop")
    with op.batch_alter_table("route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_route_van_id"))
    op.drop_table("route")
