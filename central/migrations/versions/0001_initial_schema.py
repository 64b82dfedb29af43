"""Initial schema: catalogue, locations, patrons and accounts, loans, holds, notices, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import central.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bib",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("title_reading", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("subtitle", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("subtitle_reading", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("original_title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("ndc", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source_book", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("first_edition", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("credit", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("search_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sort_key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bib")),
        sa.UniqueConstraint("source_id", name=op.f("uq_bib_source_id")),
    )
    with op.batch_alter_table("bib", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bib_sort_key"), ["sort_key"], unique=False)

    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_reading", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["location.id"], name=op.f("fk_location_parent_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("code", name=op.f("uq_location_code")),
    )
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("before", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("after", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_auditentry_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditentry")),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_at"), ["at"], unique=False)

    op.create_table(
        "contributor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bib_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_reading", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_person_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["bib_id"], ["bib.id"], name=op.f("fk_contributor_bib_id_bib")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributor")),
    )
    with op.batch_alter_table("contributor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contributor_bib_id"), ["bib_id"], unique=False)

    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("barcode", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("bib_id", sa.Integer(), nullable=False),
        sa.Column("home_location_id", sa.Integer(), nullable=False),
        sa.Column("current_location_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bib_id"], ["bib.id"], name=op.f("fk_item_bib_id_bib")),
        sa.ForeignKeyConstraint(
            ["current_location_id"], ["location.id"], name=op.f("fk_item_current_location_id_location")
        ),
        sa.ForeignKeyConstraint(["home_location_id"], ["location.id"], name=op.f("fk_item_home_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.UniqueConstraint("barcode", name=op.f("uq_item_barcode")),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_bib_id"), ["bib_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_current_location_id"), ["current_location_id"], unique=False)

    op.create_table(
        "patron",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_number", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_reading", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merged_into_id"], ["patron.id"], name=op.f("fk_patron_merged_into_id_patron")),
        sa.ForeignKeyConstraint(
            ["registered_location_id"], ["location.id"], name=op.f("fk_patron_registered_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patron")),
        sa.UniqueConstraint("card_number", name=op.f("uq_patron_card_number")),
    )
    op.create_table(
        "hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("bib_id", sa.Integer(), nullable=False),
        sa.Column("pickup_location_id", sa.Integer(), nullable=False),
        sa.Column("contact_method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("queue_number", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("placed_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ready_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pickup_deadline", sa.Date(), nullable=True),
        sa.Column("closed_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["bib_id"], ["bib.id"], name=op.f("fk_hold_bib_id_bib")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_hold_item_id_item")),
        sa.ForeignKeyConstraint(["patron_id"], ["patron.id"], name=op.f("fk_hold_patron_id_patron")),
        sa.ForeignKeyConstraint(
            ["pickup_location_id"], ["location.id"], name=op.f("fk_hold_pickup_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold")),
        sa.UniqueConstraint("bib_id", "queue_number", name=op.f("uq_hold_bib_id_queue_number")),
    )
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hold_bib_id"), ["bib_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hold_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hold_patron_id"), ["patron_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hold_status"), ["status"], unique=False)

    op.create_table(
        "internetaccount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("temporary", sa.Boolean(), nullable=False),
        sa.Column("issued_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_location_id", sa.Integer(), nullable=False),
        sa.Column("id_document_kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("taken_in_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_location_id"], ["location.id"], name=op.f("fk_internetaccount_issued_location_id_location")
        ),
        sa.ForeignKeyConstraint(["patron_id"], ["patron.id"], name=op.f("fk_internetaccount_patron_id_patron")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internetaccount")),
        sa.UniqueConstraint("patron_id", name=op.f("uq_internetaccount_patron_id")),
    )
    op.create_table(
        "loan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=True),
        sa.Column("out_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("renewal_count", sa.Integer(), nullable=False),
        sa.Column("renewed_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_location_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_loan_item_id_item")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], name=op.f("fk_loan_location_id_location")),
        sa.ForeignKeyConstraint(["patron_id"], ["patron.id"], name=op.f("fk_loan_patron_id_patron")),
        sa.ForeignKeyConstraint(
            ["returned_location_id"], ["location.id"], name=op.f("fk_loan_returned_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan")),
    )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_patron_id"), ["patron_id"], unique=False)
        batch_op.create_index(
            "uq_loan_open_item",
            ["item_id"],
            unique=True,
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        )

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["patron_id"], ["patron.id"], name=op.f("fk_notice_patron_id_patron")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint(
            "patron_id", "event", "object_id", "kind", name=op.f("uq_notice_patron_id_event_object_id_kind")
        ),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_patron_id"), ["patron_id"], unique=False)

    op.create_table(
        "patronblock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", central.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", central.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patron_id"], ["patron.id"], name=op.f("fk_patronblock_patron_id_patron")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patronblock")),
    )
    with op.batch_alter_table("patronblock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patronblock_patron_id"), ["patron_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patronblock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patronblock_patron_id"))

    op.drop_table("patronblock")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_patron_id"))

    op.drop_table("notice")
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_loan_open_item",
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_loan_patron_id"))
        batch_op.drop_index(batch_op.f("ix_loan_item_id"))

    op.drop_table("loan")
    op.drop_table("internetaccount")
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hold_status"))
        batch_op.drop_index(batch_op.f("ix_hold_patron_id"))
        batch_op.drop_index(batch_op.f("ix_hold_item_id"))
        batch_op.drop_index(batch_op.f("ix_hold_bib_id"))

    op.drop_table("hold")
    op.drop_table("patron")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_current_location_id"))
        batch_op.drop_index(batch_op.f("ix_item_bib_id"))

    op.drop_table("item")
    with op.batch_alter_table("contributor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributor_bib_id"))

    op.drop_table("contributor")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditentry_at"))
        batch_op.drop_index(batch_op.f("ix_auditentry_actor"))

    op.drop_table("auditentry")
    op.drop_table("location")
    with op.batch_alter_table("bib", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bib_sort_key"))

    op.drop_table("bib")
