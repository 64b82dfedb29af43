"""Loans and holds."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class Loan(SQLModel, table=True):
    """A copy lent to a patron.

    Japanese libraries keep no reading history: once the loan is returned and its grace period
    has passed, `patron_id` is cleared and only the anonymous record (for statistics) remains.
    """

    __table_args__ = (
        # No copy is ever on two open loans.
        sa.Index(
            "uq_loan_open_item",
            "item_id",
            unique=True,
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    patron_id: int | None = Field(default=None, foreign_key="patron.id", index=True)
    out_at: datetime = Field(sa_type=UTCDateTime)
    location_id: int = Field(foreign_key="location.id")
    due_date: date
    renewal_count: int = 0
    renewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_location_id: int | None = Field(default=None, foreign_key="location.id")


class HoldStatus(StrEnum):
    QUEUED = "queued"  # waiting for a copy (may already target a copy on the shelf, R14)
    IN_TRANSIT = "in_transit"  # a copy is caught and travels to the pickup place
    READY = "ready"  # the copy waits on the hold shelf at the pickup place
    FULFILLED = "fulfilled"  # lent to the patron
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # not collected within the pickup period


OPEN_HOLD_STATUSES = (HoldStatus.QUEUED, HoldStatus.IN_TRANSIT, HoldStatus.READY)
CLOSED_HOLD_STATUSES = (HoldStatus.FULFILLED, HoldStatus.CANCELLED, HoldStatus.EXPIRED)
# Only the nightly job clears a hold's patron, and only a closed hold's; the database holds every
# writer to that (migration 0018).
OPEN_HOLD_NAMES_PATRON = "patron_id IS NOT NULL OR status IN ({})".format(
    ", ".join(f"'{status.value}'" for status in CLOSED_HOLD_STATUSES)
)


class Hold(SQLModel, table=True):
    """A patron's hold (予約) on a title.

    R13: `queue_number` is assigned when central processes the hold and never reused on the
    title; the patron's place is the rank of that number among the title's open holds, so places
    are strict (no ties, no gaps) by construction.

    No reading history: once the hold is closed (`CLOSED_HOLD_STATUSES`) and the grace period has
    passed, `patron_id` is cleared, like a returned loan's. An open hold always names its patron.
    """

    __table_args__ = (
        sa.UniqueConstraint("bib_id", "queue_number"),
        sa.CheckConstraint(OPEN_HOLD_NAMES_PATRON, name="open_names_patron"),  # ck_hold_open_names_patron
    )

    id: int | None = Field(default=None, primary_key=True)
    patron_id: int | None = Field(default=None, foreign_key="patron.id", index=True)
    bib_id: int = Field(foreign_key="bib.id", index=True)
    pickup_location_id: int = Field(foreign_key="location.id")
    contact_method: str = Field(max_length=16)
    queue_number: int
    status: str = Field(default=HoldStatus.QUEUED, max_length=16, index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    placed_at: datetime = Field(sa_type=UTCDateTime)
    ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pickup_deadline: date | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
