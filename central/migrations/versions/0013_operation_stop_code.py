"""Each van operation keeps the stop it was done at in a column of its own; conflicts are indexed by
their operation.

The nightly job now empties an operation's body once nothing needs it (no reading history); the
route statistics count each stop's visits from this column instead. Existing rows take the stop
from their body. The job keeps the bodies open or automatic conflicts refer to, and looks them up
by `conflict.operation_id` for each operation it forgets.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPERATION = sa.table(
    "sync_operation", sa.column("id", sa.Integer), sa.column("body", sa.String), sa.column("stop_code", sa.String)
)
# Rows read and written per round trip while filling the new column.
_CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stop_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
    connection = op.get_bind()
    last = 0
    while True:
        chunk = connection.execute(
            sa.select(_OPERATION.c.id, _OPERATION.c.body)
            .where(_OPERATION.c.id > last)
            .order_by(_OPERATION.c.id)
            .limit(_CHUNK)
        ).all()
        if not chunk:
            break
        stops = [{"row_id": row_id, "stop": _stop_of(body)} for row_id, body in chunk]
        connection.execute(
            _OPERATION.update().where(_OPERATION.c.id == sa.bindparam("row_id")).values(stop_code=sa.bindparam("stop")),
            stops,
        )
        last = chunk[-1][0]
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.alter_column("stop_code", server_default=None)
    op.create_index(op.f("ix_conflict_operation_id"), "conflict", ["operation_id"])


def _stop_of(body: str) -> str:
    return str(json.loads(body).get("stop", "")) if body else ""


def downgrade() -> None:
    """Refused once the nightly job has emptied a body: the stop would then be lost for good, and
    the code of revision 0012 reads the stop and the payload from every body."""
    forgotten = (
        op.get_bind()
        .execute(sa.select(sa.func.count()).select_from(_OPERATION).where(_OPERATION.c.body == ""))
        .scalar_one()
    )
    if forgotten:
        raise RuntimeError(
            f"cannot downgrade below 0013: the nightly job has emptied {forgotten} operation bodies "
            "(no reading history), and revision 0012 needs every body"
        )
    op.drop_index(op.f("ix_conflict_operation_id"), table_name="conflict")
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.drop_column("stop_code")
