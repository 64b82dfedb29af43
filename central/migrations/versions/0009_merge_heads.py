"""Join the staff branch (0007) and the PostgreSQL search branch (0008), both begun from 0006.

Revision ID: 0009
Revises: 0007, 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: tuple[str, ...] = ("0007", "0008")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
