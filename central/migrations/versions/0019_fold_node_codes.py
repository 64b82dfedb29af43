"""Node ids stored before central folded them (NFKC, trimmed) are folded now.

Since then an id typed at either end (ＢＭ１－Ａ) is folded before it is looked up, so a node
registered earlier under an unfolded id was no longer found by the id typed for it. Each such id
is folded unless another node already holds the folded one, or the folded id is not one
`register_node` accepts now (ASCII letters, digits, - and _, at most 32): such a node is left as it
was, and named in the migration's log. There is no way back: the typed form was never needed.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

import logging
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NODE = sa.table("sync_node", sa.column("id", sa.Integer), sa.column("code", sa.String))


# `central.sync.devices._NODE_CODE` as it stood at this revision: what `register_node` accepts.
_NODE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
logger = logging.getLogger("alembic.runtime.migration")


def _folded(code: str) -> str:
    """`sync_protocol.normalize.normalize_node_id` as it stood at this revision."""
    return unicodedata.normalize("NFKC", code).strip()


def upgrade() -> None:
    connection = op.get_bind()
    nodes = connection.execute(sa.select(_NODE.c.id, _NODE.c.code).order_by(_NODE.c.id)).all()
    taken = {code for _, code in nodes}
    for node_id, code in nodes:
        folded = _folded(code)
        if folded == code:
            continue
        if folded in taken or not _NODE_CODE.fullmatch(folded):
            logger.warning(
                "node %s: its id %r is left as it is (folded, %r is taken or not a valid id)", node_id, code, folded
            )
            continue
        connection.execute(_NODE.update().where(_NODE.c.id == node_id).values(code=folded))
        taken.discard(code)
        taken.add(folded)


def downgrade() -> None:
    """Nothing to undo: a folded id is one the earlier revisions accept as well."""
