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
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:-6] + "Z"  # "+00:00" written as "Z"


def decode_instant(text: str) -> datetime:
    """The inverse of `encode_instant`; any explicit offset is accepted and converted to UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("instant without a time zone")
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


_SCALARS = (str, int, float, bool, type(None))


def to_plain(value: Any) -> Any:
    """`value` (dataclasses, dates, enums, tuples, sets, scalars) as JSON-ready data."""
    kind = type(value)
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _converter(kind: type) -> Callable[[Any], Any]:
    """How to make a value of this exact type plain (worked out once per type: a batch has thousands)."""
    if issubclass(kind, Enum):
        return lambda value: value.value
    if issubclass(kind, _SCALARS):
        return _same
    if dataclasses.is_dataclass(kind):
        return _dataclass_converter(kind)
    if issubclass(kind, datetime):
        return encode_instant
    if issubclass(kind, date):
        return date.isoformat
    if issubclass(kind, list | tuple):
        return lambda value: [to_plain(v) for v in value]
    if issubclass(kind, set | frozenset):
        return lambda value: sorted(to_plain(v) for v in value)
    return _same


def _same(value: Any) -> Any:
    return value


# Field types whose values are plain already (an operation's fields are mostly these).
_PLAIN_FIELDS = {str, int, bool, str | None, int | None, bool | None}


def _dataclass_converter(kind: type) -> Callable[[Any], dict[str, Any]]:
    fields = dataclasses.fields(kind)  # type: ignore[arg-type]
    plain = tuple(f.name for f in fields if f.type in _PLAIN_FIELDS)
    other = tuple(f.name for f in fields if f.type not in _PLAIN_FIELDS)

    def convert(value: Any) -> dict[str, Any]:
        converted = {name: getattr(value, name) for name in plain}
        for name in other:
            converted[name] = to_plain(getattr(value, name))
        return converted

    return convert


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


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


def canonical_json_of_values(document: dict[str, Any]) -> bytes:
    """`canonical_json(document)` for a dictionary of JSON scalars, dates, enumerations, instants
    whose `tzinfo` is `UTC`, and lists and dictionaries of these, without making it plain first.

    orjson writes each of these values as `to_plain` makes it (an instant with "Z" given
    OPT_UTC_Z). An instant in another zone would keep its offset, and a set or a subclass of date
    or datetime is refused: the caller makes sure of the types, or calls `canonical_json`.
    """
    try:
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)
    except orjson.JSONEncodeError as exc:
        raise ValueError(f"cannot encode canonically: {exc}") from exc


def from_plain(tp: Any, data: Any, path: str = "") -> Any:
    """Rebuild a value of type `tp` from JSON data, refusing anything of the wrong shape."""
    return decoder(tp)(data, path)


Decoder = Callable[[Any, str], Any]


@cache
def decoder(tp: Any) -> Decoder:
    """`from_plain` for one type, worked out once: `decoder(tp)(data, path)` (a batch decodes thousands)."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return _optionaldecoder(tp)
    if origin in (tuple, frozenset):
        element = decoder(typing.get_args(tp)[0])
        return lambda data, path: origin(element(v, f"{path}[{i}]") for i, v in enumerate(_as_list(data, path)))
    if dataclasses.is_dataclass(tp):
        return _dataclassdecoder(tp)  # type: ignore[arg-type]
    return _scalardecoder(tp)


def _optionaldecoder(tp: Any) -> Decoder:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) != 1:
        raise TypeError(f"only X | None unions are supported, not {tp}")
    inner = decoder(args[0])
    return lambda data, path: None if data is None else inner(data, path)


def _as_list(data: Any, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise FormatError(path, "expected a list")
    return data


def _dataclassdecoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [
        (
            f.name,
            decoder(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    ]
    names = frozenset(name for name, _, _ in fields)
    field_paths: dict[str, tuple[str, ...]] = {}  # by the object's own path: where each field sits

    def decode(data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            raise FormatError(path, "expected an object")
        if not names.issuperset(data):
            raise FormatError(path, f"unknown field(s): {', '.join(sorted(set(data) - names))}")
        paths = field_paths.get(path)
        if paths is None:
            paths = field_paths[path] = tuple(f"{path}.{name}" if path else name for name, _, _ in fields)
        values: dict[str, Any] = {}
        for (name, decode_field, required), field_path in zip(fields, paths, strict=True):
            if name in data:
                values[name] = decode_field(data[name], field_path)
            elif required:
                raise FormatError(path, f"missing field: {name}")
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise FormatError(path, str(exc)) from exc

    return decode


def _scalardecoder(tp: Any) -> Decoder:
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
