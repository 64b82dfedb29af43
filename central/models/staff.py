"""Library staff: their accounts (separate from patrons) and their signed-in sessions."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class StaffRole(StrEnum):
    """What a staff member may do: the main desk, or also the admin console (conflicts, devices)."""

    DESK = "desk"
    ADMIN = "admin"


class StaffUser(SQLModel, table=True):
    """A staff account. The password is stored only as an argon2 hash; the audit log names the
    account "staff:<id>", so an account is disabled, never deleted."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    """A signed-in staff browser. Only the SHA-256 of the cookie's token is stored; the stamp of the
    password hash ends the session when the password changes or the account is disabled."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    credential_stamp: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
