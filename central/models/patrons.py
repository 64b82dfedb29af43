"""Patrons (card holders), their blocks, and their internet-service accounts."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class PatronStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"  # a duplicate registration folded into another record
    WITHDRAWN = "withdrawn"


class Patron(SQLModel, table=True):
    """A library card holder."""

    id: int | None = Field(default=None, primary_key=True)
    card_number: str = Field(unique=True, max_length=16)
    name: str = Field(max_length=200)
    name_reading: str = Field(default="", max_length=200)
    birth_date: date = Field(index=True)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    email: str | None = Field(default=None, max_length=254)
    status: str = Field(default=PatronStatus.ACTIVE, max_length=16)
    merged_into_id: int | None = Field(default=None, foreign_key="patron.id")
    registered_at: datetime = Field(sa_type=UTCDateTime)
    registered_location_id: int = Field(foreign_key="location.id")


class PatronBlock(SQLModel, table=True):
    """A reason the patron may not borrow (lost card, unreturned items ...) until it is lifted."""

    id: int | None = Field(default=None, primary_key=True)
    patron_id: int = Field(foreign_key="patron.id", index=True)
    reason: str = Field(max_length=32)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    lifted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InternetAccount(SQLModel, table=True):
    """A patron's internet-service credentials (R2-R7). One per patron; re-issue replaces the hash."""

    id: int | None = Field(default=None, primary_key=True)
    patron_id: int = Field(foreign_key="patron.id", unique=True)
    password_hash: str = Field(max_length=200)
    temporary: bool = True
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issued_location_id: int = Field(foreign_key="location.id")
    id_document_kind: str = Field(max_length=32)
    # R4/R5: the first Tokyo day the password works; the same day at the desk, the next day from a van.
    active_from: date
    # When central took the application in (R5 counts from this day for a van's application).
    taken_in_at: datetime = Field(sa_type=UTCDateTime)
    # Set by the nightly job when it activates a bookmobile application (kept for the audit trail).
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
