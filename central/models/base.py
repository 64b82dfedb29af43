"""What every table shares: the metadata with stable constraint names, and a UTC timestamp type."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from sync_protocol.timezone import as_utc

# Named constraints let Alembic alter them on SQLite (batch mode) and PostgreSQL alike.
metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always gives back timezone-aware UTC values.

    SQLite has no time zones: without this, a value read back would be naive and a comparison
    with an aware "now" would raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not UTC:
            value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, the very text SQLAlchemy's DATETIME stores, written in one step.

        A van's batch binds several instants per operation, and the two-step path (this type's
        `process_bind_param`, then the dialect's formatting) costs more than inserting the row;
        tests/central/test_utc_datetime.py holds the two to the same text.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return _utc_text(value if value.tzinfo is UTC else as_utc(value))


# A batch binds each instant in several tables (an operation's effective time is also its audit
# row's and its loan's): the text is worked out once. Only UTC values are cached: in a zone with
# daylight saving two equal-comparing values (`fold`) can be different instants.
@lru_cache(maxsize=4096)
def _utc_text(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")[:-6]  # without its "+00:00"
