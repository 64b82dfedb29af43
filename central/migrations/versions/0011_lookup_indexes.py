"""Indexes for the look-ups the sync ingest makes per operation.

SPEC 6 looks for the same person by birth date; SPEC 10 finds a patron's last e-mail change in the
audit log. Without these, each such operation read the whole table, and a van's day got slower as
the library's history grew.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_patron_birth_date", "patron", ["birth_date"])
    op.create_index("ix_auditentry_object", "auditentry", ["object_type", "object_id", "action"])


def downgrade() -> None:
    op.drop_index("ix_auditentry_object", table_name="auditentry")
    op.drop_index("ix_patron_birth_date", table_name="patron")
