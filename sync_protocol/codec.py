"""Plain-JSON encoding of the protocol's dataclasses, and the canonical bytes that checksums cover.

Both sides must turn the same value into the same bytes, or checksums disagree. So the encoding
is explicit rather than left to `json.dumps` defaults: dates as ISO strings, instants in UTC with a
trailing "Z", sets as sorted lists, keys sorted, no insignificant whitespace, UTF-8 (not \\u escapes,
which would make Japanese names six times larger on the wire).
"""

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import orjson

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


def canonical_json(value: Any) -> bytes:
    """The one byte encoding checksums are computed over: sorted keys, compact, UTF-8.

    The bytes are those of `json.dumps(..., sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)` encoded as UTF-8, which is how the protocol defines them; orjson writes
    them several times faster (tests/test_codec.py holds the two to the same output).
    """
    try:
        return orjson.dumps(to_plain(value), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"cannot encode canonically: {exc}") from exc


def from_plain(tp: Any, data: Any, path: str = "") -> Any:
    """Rebuild a value of type `tp` from JSON data, refusing anything of the wrong shape."""
    return _decoder(tp)(data, path)


Decoder = Callable[[Any, str], Any]


@cache
def _decoder(tp: Any) -> Decoder:
    """The function that decodes a `tp`, worked out once per type (a batch decodes thousands)."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return _optional_decoder(tp)
    if origin in (tuple, frozenset):
        element = _decoder(typing.get_args(tp)[0])
        return lambda data, path: origin(element(v, f"{path}[{i}]") for i, v in enumerate(_as_list(data, path)))
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)  # type: ignore[arg-type]
    return _scalar_decoder(tp)


def _optional_decoder(tp: Any) -> Decoder:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) != 1:
        raise TypeError(f"only X | None unions are supported, not {tp}")
    inner = _decoder(args[0])
    return lambda data, path: None if data is None else inner(data, path)


def _as_list(data: Any, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise FormatError(path, "expected a list")
    return data


def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [
        (
            f.name,
            _decoder(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    ]
    names = frozenset(name for name, _, _ in fields)

    def decode(data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            raise FormatError(path, "expected an object")
        if not names.issuperset(data):
            raise FormatError(path, f"unknown field(s): {', '.join(sorted(set(data) - names))}")
        values: dict[str, Any] = {}
        for name, decode_field, required in fields:
            if name in data:
                values[name] = decode_field(data[name], f"{path}.{name}" if path else name)
            elif required:
                raise FormatError(path, f"missing field: {name}")
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise FormatError(path, str(exc)) from exc

    return decode


def _scalar_decoder(tp: Any) -> Decoder:
    if tp is datetime or tp is date:
        parse = decode_instant if tp is datetime else date.fromisoformat

        def decode_time(data: Any, path: str) -> Any:
            try:
                return parse(_expect(str, data, path))
            except FormatError:
                raise
            except ValueError as exc:
                raise FormatError(path, str(exc)) from exc

        return decode_time
    if isinstance(tp, type) and issubclass(tp, Enum):

        def decode_enum(data: Any, path: str) -> Any:
            try:
                return tp(data)
            except ValueError as exc:
                raise FormatError(path, f"unknown value {data!r}") from exc

        return decode_enum
    if tp is int:

        def decode_int(data: Any, path: str) -> int:
            if isinstance(data, bool) or not isinstance(data, int):
                raise FormatError(path, "expected an integer")
            return data

        return decode_int
    if tp in (str, bool):
        return lambda data, path: _expect(tp, data, path)
    raise TypeError(f"unsupported type {tp}")


def _expect(tp: type[T], data: Any, path: str) -> T:
    if not isinstance(data, tp):
        raise FormatError(path, f"expected {tp.__name__}")
    return data
