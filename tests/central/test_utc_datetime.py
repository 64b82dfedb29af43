"""Instants are stored in UTC; on SQLite as the very text SQLAlchemy's own DATETIME writes."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from central.models.base import UTCDateTime

_DIALECT = sqlite.dialect()
_SQLALCHEMY = DateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)
_OURS = UTCDateTime()._cached_bind_processor(_DIALECT)


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_an_instant_is_stored_on_sqlite_as_sqlalchemy_stores_it_in_utc(moment: datetime, offset_minutes: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    assert _OURS is not None and _SQLALCHEMY is not None
    assert _OURS(aware) == _SQLALCHEMY(aware.astimezone(UTC).replace(tzinfo=None))


def test_a_naive_instant_is_taken_as_utc_and_none_stays_none() -> None:
    assert _OURS is not None
    assert _OURS(datetime(2026, 6, 10, 9, 0)) == "2026-06-10 09:00:00.000000"
    assert _OURS(None) is None
