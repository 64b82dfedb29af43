"""The notice ledger: every message owed to a patron, recorded once (R10)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class Notice(SQLModel, table=True):
    """One notice for (patron, event, object, kind); the unique key means none is ever sent twice."""

    __table_args__ = (sa.UniqueConstraint("patron_id", "event", "object_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    patron_id: int = Field(foreign_key="patron.id", index=True)
    event: str = Field(max_length=32)  # e.g. hold_ready, overdue_1, overdue_8
    object_id: int
    kind: str = Field(max_length=16)  # email, or staff_list for patrons without e-mail
    status: str = Field(default="pending", max_length=16)
    address: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="")
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
