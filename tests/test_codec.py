"""The canonical encoding is the protocol's definition, byte for byte (B3: both sides hash it)."""

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.codec import canonical_json, decode_instant, encode_instant
from sync_protocol.operations import PAYLOAD_TYPES, Lend, Operation, Payload

_DEFINITION = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text()
_DOCUMENTS = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=25
)


@settings(max_examples=500)
@given(_DOCUMENTS)
def test_b3_canonical_bytes_are_sorted_compact_utf8_json(document: object) -> None:
    try:
        expected = _DEFINITION.encode(document).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form: refused either way
        return
    assert canonical_json(document) == expected


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_b3_an_instant_is_written_in_utc_iso_8601_with_z_and_read_back_equal(
    moment: datetime, offset_minutes: int
) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    written = encode_instant(aware)
    assert written == aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    read = decode_instant(written)
    assert read == aware and read.tzinfo is UTC
    assert decode_instant(aware.isoformat()) == aware and decode_instant(aware.isoformat()).tzinfo is UTC


def _by_the_definition(value: object) -> object:
    """Plain data as the protocol defines it: dataclasses as objects of their fields, dates in ISO
    8601, instants in UTC with "Z", enumerations by value, sequences as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _by_the_definition(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_by_the_definition(v) for v in value]
    return value


def _payloads(kind: type) -> st.SearchStrategy[object]:
    """Payloads of `kind`, their integers within the 64 bits the canonical form carries (like
    `_SCALARS`: beyond them encoding is refused, by definition and by orjson alike)."""
    int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
    fields = dataclasses.fields(kind)  # type: ignore[arg-type]
    ints = {f.name: int64 if f.type is int else st.none() | int64 for f in fields if f.type in (int, int | None)}
    return st.builds(kind, **ints)


@settings(max_examples=300)
@given(st.sampled_from(sorted(PAYLOAD_TYPES.values(), key=lambda t: t.__name__)).flatmap(_payloads))
def test_b3_every_payload_type_is_encoded_as_the_definition_says(payload: object) -> None:
    try:
        expected = _DEFINITION.encode(_by_the_definition(payload)).encode("utf-8")
    except UnicodeEncodeError:
        return
    assert canonical_json(payload) == expected


@settings(max_examples=300)
@given(
    payload=st.sampled_from(sorted(PAYLOAD_TYPES.values(), key=lambda t: t.__name__)).flatmap(_payloads),
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offset_minutes=st.sampled_from([0, 0, 540, -300]),
    op_id=st.uuids().map(str),
    node_id=st.text(min_size=1),
    stop_code=st.text(min_size=1),
    hlc=st.text(),
    sequence=st.integers(min_value=1, max_value=2**63 - 1),
)
def test_b3_an_operations_checksum_bytes_are_the_canonical_json_of_its_wire_form(
    payload: Payload,
    moment: datetime,
    offset_minutes: int,
    op_id: str,
    node_id: str,
    stop_code: str,
    hlc: str,
    sequence: int,
) -> None:
    """Operations are encoded straight from their values (the UTC fast path) or through their
    wire form (any other zone): both must give the definition's bytes."""
    zone = UTC if offset_minutes == 0 else timezone(timedelta(minutes=offset_minutes))
    operation = Operation(op_id, node_id, sequence, sequence, moment.replace(tzinfo=zone), hlc, stop_code, payload)
    try:
        expected = _DEFINITION.encode(operation.to_dict()).encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(ValueError):
            operation.canonical_bytes()
        return
    assert operation.canonical_bytes() == expected


class _LaterDate(date):
    """A date subclass, as time-travel libraries make (orjson does not write these)."""


def test_b3_an_operation_whose_values_are_not_exactly_their_declared_types_still_hashes_its_wire_form() -> None:
    """A value of another type than its field declares (a datetime where a date is due, a
    subclass) or an attribute set on a payload beyond its fields: the checksum must still cover
    exactly what the wire carries, or central would refuse the batch as corrupted every time."""
    tokyo = timezone(timedelta(hours=9))
    extra = Lend("10000001", "3000000001", date(2026, 6, 24))
    object.__setattr__(extra, "note", "not a field")
    payloads: list[Payload] = [
        Lend("10000001", "3000000001", datetime(2026, 6, 24, 9, 0, tzinfo=tokyo)),  # type: ignore[arg-type]
        Lend("10000001", "3000000001", _LaterDate(2026, 6, 24)),
        extra,
    ]
    for payload in payloads:
        operation = Operation(
            str(uuid.uuid4()), "BM1-A", 1, 1, datetime(2026, 6, 10, 1, 0, tzinfo=UTC), "", "S", payload
        )
        assert operation.canonical_bytes() == _DEFINITION.encode(operation.to_dict()).encode("utf-8")
