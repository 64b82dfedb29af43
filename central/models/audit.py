"""The audit log: who did what to which record, when and where, with before/after facts."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class AuditEntry(SQLModel, table=True):
    """One action. `actor` is e.g. "staff:3", "patron:12", "node:van-1", "system:nightly"."""

    __table_args__ = (sa.Index("ix_auditentry_object", "object_type", "object_id", "action"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64, index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    before: str = Field(default="")  # JSON
    after: str = Field(default="")  # JSON
