"""An open hold names its patron: a CHECK constraint on `hold`.

Revision 0015 let a hold lose its patron, for the nightly job to clear it once the hold is closed.
Nothing but the services kept an open hold from having none; now the database does. On SQLite the
table is rebuilt (`central.db.schema_change`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As `central.models.circulation.OPEN_HOLD_NAMES_PATRON` stood at this revision.
_OPEN_HOLD_NAMES_PATRON = "patron_id IS NOT NULL OR status IN ('fulfilled', 'cancelled', 'expired')"


def upgrade() -> None:
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_hold_open_names_patron"), _OPEN_HOLD_NAMES_PATRON)


def downgrade() -> None:
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_hold_open_names_patron"), type_="check")
