"""Plain-JSON encoding of the protocol's dataclasses, and the canonical bytes that checksums cover.

Both sides must turn the same value into the same bytes, or checksums disagree. So the encoding
is explicit rather than left to `json.dumps` defaults: dates as ISO strings, instants in UTC with a
trailing "Z", sets as sorted lists, keys sorted, no insignificant whitespace, UTF-8 (not \\u escapes,
which would make Japanese names six times larger on the wire).
"""

import dataclasses
import json
import types
import typing
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


class FormatError(ValueError):
    """The data does not have the shape the protocol defines; `path` says where."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or '<root>'}: {problem}")
        self.path = path
        self.problem = problem


def encode_instant(moment: datetime) -> str:
    """An aware instant as UTC ISO 8601 with "Z" (naive values are refused: they are ambiguous)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the protocol only carries UTC instants")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decode_instant(text: str) -> datetime:
    """The inverse of `encode_instant`; any explicit offset is accepted and converted to UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("instant without a time zone")
    return moment.astimezone(UTC)


_SCALARS = (str, int, float, bool, type(None))


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


# Exact types (an enum member is a str or int subclass, so it is not among them).
_PLAIN_TYPES = frozenset(_SCALARS)


def to_plain(value: Any) -> Any:
    """`value` (dataclasses, dates, enums, tuples, sets, scalars) as JSON-ready data."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, _SCALARS) and not isinstance(value, Enum):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return encode_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(to_plain(v) for v in value)
    return value


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """The one byte encoding checksums are computed over: sorted keys, compact, UTF-8."""
    return _CANONICAL.encode(to_plain(value)).encode("utf-8")


@cache
def _fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(cls)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(tp: Any, data: Any, path: str = "") -> Any:
    """Rebuild a value of type `tp` from JSON data, refusing anything of the wrong shape."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return _from_optional(tp, data, path)
    if origin in (tuple, frozenset):
        element = typing.get_args(tp)[0]
        return origin(from_plain(element, v, f"{path}[{i}]") for i, v in enumerate(_as_list(data, path)))
    if dataclasses.is_dataclass(tp):
        return _from_dataclass(tp, data, path)
    return _from_scalar(tp, data, path)


def _from_optional(tp: Any, data: Any, path: str) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) != 1:
        raise TypeError(f"only X | None unions are supported, not {tp}")
    return None if data is None else from_plain(args[0], data, path)


def _as_list(data: Any, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise FormatError(path, "expected a list")
    return data


def _from_dataclass(cls: type[T], data: Any, path: str) -> T:
    if not isinstance(data, dict):
        raise FormatError(path, "expected an object")
    fields = _fields(cls)
    unknown = sorted(set(data) - fields.keys())
    if unknown:
        raise FormatError(path, f"unknown field(s): {', '.join(unknown)}")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in data:
            values[name] = from_plain(hints[name], data[name], f"{path}.{name}" if path else name)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise FormatError(path, f"missing field: {name}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise FormatError(path, str(exc)) from exc


def _from_scalar(tp: Any, data: Any, path: str) -> Any:
    try:
        if tp is datetime:
            return decode_instant(_expect(str, data, path))
        if tp is date:
            return date.fromisoformat(_expect(str, data, path))
    except ValueError as exc:
        raise FormatError(path, str(exc)) from exc
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError as exc:
            raise FormatError(path, f"unknown value {data!r}") from exc
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise FormatError(path, "expected an integer")
        return data
    if tp in (str, bool):
        return _expect(tp, data, path)
    raise TypeError(f"unsupported type {tp} at {path}")


def _expect(tp: type[T], data: Any, path: str) -> T:
    if not isinstance(data, tp):
        raise FormatError(path, f"expected {tp.__name__}")
    return data
