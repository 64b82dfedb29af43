"""The operations a bookmobile records offline and sends to central.

Every operation travels in one envelope: who (node id, epoch), in which order (a gap-free
per-node sequence and a hybrid logical clock), when (the van's wall time, UTC), where (the stop)
and what (a typed payload). The envelope's `op_id` makes each operation unique for ever, so a
batch sent twice is applied once (B2, B3).

Payloads carry facts as the van saw them, never decisions only central can make: a lend says
which hold the walk-in bypassed (R14), a return says a hold was waiting, a registration carries
the password hash (R4: the password itself never leaves the receipt).
"""

import dataclasses
import hashlib
import typing
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar

from sync_protocol import PROTOCOL_VERSION
from sync_protocol.codec import (
    FormatError,
    canonical_json,
    canonical_json_of_values,
    decode_instant,
    decoder,
    encode_instant,
    to_plain,
)


class OperationType(StrEnum):
    REGISTER_PATRON = "register_patron"
    APPLY_INTERNET_SERVICE = "apply_internet_service"
    REISSUE_PASSWORD = "reissue_password"
    CHANGE_EMAIL = "change_email"
    LEND = "lend"
    RETURN = "return"
    RENEW = "renew"
    HAND_OVER_HOLD = "hand_over_hold"
    LOAD_HOLD_COPY = "load_hold_copy"


class IdDocumentKind(StrEnum):
    """R2: the kind of identity document staff saw. Its number is never recorded."""

    DRIVING_LICENCE = "driving_licence"
    HEALTH_INSURANCE = "health_insurance"
    MY_NUMBER_CARD = "my_number_card"
    PASSPORT = "passport"
    STUDENT_ID = "student_id"
    RESIDENCE_CARD = "residence_card"
    OTHER = "other"


@dataclass(frozen=True)
class RegisterPatron:
    """A new card issued on the van, with a number from the node's block (B6)."""

    TYPE: ClassVar[OperationType] = OperationType.REGISTER_PATRON
    card_number: str
    name: str
    name_reading: str
    birth_date: date
    address: str
    phone: str
    email: str | None


@dataclass(frozen=True)
class ApplyInternetService:
    """R2-R5: an in-person application; active from the day after central takes it in."""

    TYPE: ClassVar[OperationType] = OperationType.APPLY_INTERNET_SERVICE
    card_number: str
    id_document_kind: IdDocumentKind
    password_hash: str


@dataclass(frozen=True)
class ReissuePassword:
    """R7: a new temporary password given in person; the old one stops working."""

    TYPE: ClassVar[OperationType] = OperationType.REISSUE_PASSWORD
    card_number: str
    id_document_kind: IdDocumentKind
    password_hash: str


@dataclass(frozen=True)
class ChangeEmail:
    """R11/R12: an address change recorded at the van (None removes the address)."""

    TYPE: ClassVar[OperationType] = OperationType.CHANGE_EMAIL
    card_number: str
    email: str | None


@dataclass(frozen=True)
class Lend:
    """A copy lent at the van. `bypassed_hold_id`: R14, a hold targeted this shelf copy."""

    TYPE: ClassVar[OperationType] = OperationType.LEND
    card_number: str
    barcode: str
    due_date: date
    bypassed_hold_id: int | None = None


@dataclass(frozen=True)
class Return:
    """A copy taken back at the van; `hold_waiting`: staff were told to put it aside (disagreement 12)."""

    TYPE: ClassVar[OperationType] = OperationType.RETURN
    barcode: str
    hold_waiting: bool = False


@dataclass(frozen=True)
class Renew:
    """R9 as checked against the van's snapshot (central checks again: disagreement 4)."""

    TYPE: ClassVar[OperationType] = OperationType.RENEW
    card_number: str
    barcode: str
    previous_due: date
    new_due: date


@dataclass(frozen=True)
class HandOverHold:
    """A hold sent to this van's stop, lent to the patron who placed it."""

    TYPE: ClassVar[OperationType] = OperationType.HAND_OVER_HOLD
    hold_id: int
    card_number: str
    barcode: str
    due_date: date


@dataclass(frozen=True)
class LoadHoldCopy:
    """A copy caught for a hold at one of the van's stops, scanned as loaded onto the van.

    From then on the copy travels with the van: central tells the patron (the ready notice names
    the stop and the visit) and counts the pickup period in the stop's visits.
    """

    TYPE: ClassVar[OperationType] = OperationType.LOAD_HOLD_COPY
    hold_id: int
    barcode: str


Payload = (
    RegisterPatron
    | ApplyInternetService
    | ReissuePassword
    | ChangeEmail
    | Lend
    | Return
    | Renew
    | HandOverHold
    | LoadHoldCopy
)

PAYLOAD_TYPES: dict[OperationType, type[Payload]] = {
    cls.TYPE: cls
    for cls in (
        RegisterPatron,
        ApplyInternetService,
        ReissuePassword,
        ChangeEmail,
        Lend,
        Return,
        Renew,
        HandOverHold,
        LoadHoldCopy,
    )
}

_ENVELOPE_KEYS = {"v", "op_id", "node_id", "epoch", "seq", "wall_time", "hlc", "stop", "type", "payload"}


@dataclass(frozen=True)
class Operation:
    """One recorded action, as it is stored in the van's outbox and sent to central."""

    op_id: str
    node_id: str
    epoch: int
    seq: int
    wall_time: datetime
    hlc: str
    stop_code: str
    payload: Payload
    version: int = PROTOCOL_VERSION

    def __post_init__(self) -> None:
        uuid.UUID(self.op_id)
        if self.epoch < 1 or self.seq < 1:
            raise ValueError("epoch and seq start at 1")
        if not self.node_id or not self.stop_code:
            raise ValueError("node_id and stop_code are required")
        if self.wall_time.tzinfo is None:
            raise ValueError("wall_time must be timezone-aware")

    @property
    def type(self) -> OperationType:
        return self.payload.TYPE

    def to_dict(self) -> dict[str, Any]:
        """The wire form; keys are short and stable because they are part of every checksum."""
        return {
            "v": self.version,
            "op_id": self.op_id,
            "node_id": self.node_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "wall_time": encode_instant(self.wall_time),
            "hlc": self.hlc,
            "stop": self.stop_code,
            "type": self.type.value,
            "payload": to_plain(self.payload),
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Operation":
        """Rebuild an operation from its wire form; raises FormatError when it does not fit."""
        if not isinstance(data, dict):
            raise FormatError("", "expected an object")
        if data.keys() != _ENVELOPE_KEYS:
            missing = sorted(_ENVELOPE_KEYS - set(data))
            unknown = sorted(set(data) - _ENVELOPE_KEYS)
            raise FormatError("", f"missing {missing} / unknown {unknown} envelope field(s)")
        payload_decoder = _PAYLOAD_DECODERS.get(data["type"])
        if payload_decoder is None:
            raise FormatError("type", f"unknown operation type {data['type']!r}")
        try:
            return cls(
                op_id=_text(data["op_id"], "op_id"),
                node_id=_text(data["node_id"], "node_id"),
                epoch=_number(data["epoch"], "epoch"),
                seq=_number(data["seq"], "seq"),
                wall_time=decode_instant(_text(data["wall_time"], "wall_time")),
                hlc=_text(data["hlc"], "hlc"),
                stop_code=_text(data["stop"], "stop"),
                payload=payload_decoder(data["payload"], "payload"),
                version=_number(data["v"], "v"),
            )
        except ValueError as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError("", str(exc)) from exc

    def canonical_bytes(self) -> bytes:
        """The bytes the checksum covers (and the van stores in its outbox)."""
        return self._canonical

    def sha256(self) -> str:
        """Hex SHA-256 of the canonical bytes: a replay with a different body is detectable."""
        return self._sha256

    # Encoded once per operation: central hashes, stores and checks the same bytes several times
    # while taking a batch in, and an operation is immutable.
    @cached_property
    def _canonical(self) -> bytes:
        # `canonical_json(self.to_dict())`, written by orjson from the values themselves when they
        # are exactly of their declared types: orjson writes a UTC instant with "Z", a date in ISO
        # 8601 and an enumeration by its value as `to_plain` does (tests/test_codec.py holds the
        # two to the same bytes). Taking a batch in encodes every operation, and building the plain
        # dictionaries first cost twice the encoding. Anything else takes the wire form's path.
        fields = _declared_fields(self.payload)
        if fields is None or type(self.wall_time) is not datetime or self.wall_time.tzinfo is not UTC:
            return canonical_json(self.to_dict())
        return canonical_json_of_values(
            {
                "v": self.version,
                "op_id": self.op_id,
                "node_id": self.node_id,
                "epoch": self.epoch,
                "seq": self.seq,
                "wall_time": self.wall_time,
                "hlc": self.hlc,
                "stop": self.stop_code,
                "type": self.payload.TYPE,
                "payload": fields,
            }
        )

    @cached_property
    def _sha256(self) -> str:
        return hashlib.sha256(self._canonical).hexdigest()


def _field_types(payload: type) -> tuple[tuple[str, frozenset[type]], ...]:
    """Each field of a payload type with the exact types its value may have (None where optional)."""
    hints = typing.get_type_hints(payload)
    return tuple(
        (field.name, frozenset(typing.get_args(hints[field.name]) or (hints[field.name],)))
        for field in dataclasses.fields(payload)
    )


_FIELD_TYPES = {payload: _field_types(payload) for payload in PAYLOAD_TYPES.values()}


def _declared_fields(payload: Payload) -> dict[str, Any] | None:
    """The payload's fields, when each value is exactly of a type its field declares (not a
    subclass) and the instance holds nothing else; None otherwise."""
    values = vars(payload)
    declared = _FIELD_TYPES[type(payload)]
    if len(values) != len(declared):
        return None
    for name, types in declared:
        if type(values[name]) not in types:
            return None
    return values


# Looked up once: a batch decodes a thousand envelopes.
_text = decoder(str)
_number = decoder(int)
_PAYLOAD_DECODERS: dict[Any, Any] = {kind.value: decoder(payload) for kind, payload in PAYLOAD_TYPES.items()}
