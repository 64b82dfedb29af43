"""The patrons' internet service's own state: signed-in sessions and failed sign-ins.

Both live in the database, not in process memory, so every worker sees the same sessions and the
same throttle counts, and a session can be ended from anywhere (logout, password change).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class WebSession(SQLModel, table=True):
    """A signed-in patron: a browser (cookie) or an app (bearer token).

    Only the SHA-256 of the token is stored, so a copy of the table signs nobody in.
    `credential_stamp` fingerprints the password hash at sign-in: a password re-issued at the desk
    (R7) or changed elsewhere makes the stamps differ, which ends the session.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    patron_id: int = Field(foreign_key="patron.id", index=True)
    kind: str = Field(max_length=16)  # "cookie" or "token"
    credential_stamp: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, counted per key ("card:<keyed hash>" or "addr:<client address>")."""

    __table_args__ = (sa.Index("ix_signinfailure_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    at: datetime = Field(sa_type=UTCDateTime)
