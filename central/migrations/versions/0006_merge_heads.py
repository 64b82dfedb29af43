"""Join the nightly, web and sync branches (each began from 0002) into one line again.

Revision ID: 0006
Revises: 0003, 0004, 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: tuple[str, ...] = ("0003", "0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
