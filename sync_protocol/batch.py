"""Batches of operations going up, and the receipts coming back (B3).

A batch is a run of one node's operations with consecutive sequence numbers in one epoch, plus
the SHA-256 of its canonical body. On the wire it is gzip-compressed canonical JSON. Central
applies a batch in one transaction and answers with a receipt giving every operation's outcome;
it keeps the receipt, so a batch sent again (a lost response, a retry) gets the same receipt and
changes nothing.
"""

import gzip
import hashlib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

import orjson

from sync_protocol import PROTOCOL_VERSION
from sync_protocol.codec import FormatError, canonical_json, canonical_json_of_values, from_plain, to_plain
from sync_protocol.operations import Operation

# A batch is cut before its uncompressed body would pass this size; central refuses anything
# whose decompressed size is over MAX_BODY_BYTES (a zip bomb must not exhaust its memory).
DEFAULT_BATCH_BYTES = 512 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024


class Outcome(StrEnum):
    """What central did with one operation."""

    APPLIED = "applied"  # applied (possibly with an automatic default, see conflict_id)
    DUPLICATE = "duplicate"  # already applied earlier: nothing changed this time
    CONFLICT = "conflict"  # held in a conflict for an admin; nothing lost
    REJECTED = "rejected"  # malformed or refused for good; the reason says why


@dataclass(frozen=True)
class Batch:
    """Consecutive operations of one node and epoch."""

    node_id: str
    epoch: int
    first_seq: int
    last_seq: int
    operations: tuple[Operation, ...]
    version: int = PROTOCOL_VERSION

    def __post_init__(self) -> None:
        seqs = [op.seq for op in self.operations]
        if not seqs or seqs != list(range(self.first_seq, self.last_seq + 1)):
            raise ValueError("a batch holds consecutive sequence numbers first_seq..last_seq")
        if any(op.node_id != self.node_id or op.epoch != self.epoch for op in self.operations):
            raise ValueError("every operation in a batch belongs to the batch's node and epoch")

    def body(self) -> dict[str, Any]:
        return {
            "v": self.version,
            "node_id": self.node_id,
            "epoch": self.epoch,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "ops": [op.to_dict() for op in self.operations],
        }

    def sha256(self) -> str:
        """SHA-256 of the canonical body: what makes a replay recognisable and a corrupted body detectable."""
        return self._sha256

    def canonical_bytes(self) -> bytes:
        """`canonical_json(self.body())`, assembled from the operations' own canonical bytes.

        Each operation is encoded once and its bytes reused here, for its own checksum and for
        storage; encoding a thousand operations again per checksum would double central's work.
        The header's keys sort around "ops" exactly as `canonical_json` would place them.
        """
        head = canonical_json({"epoch": self.epoch, "first_seq": self.first_seq, "last_seq": self.last_seq})
        node = canonical_json(self.node_id)
        ops = b",".join(op.canonical_bytes() for op in self.operations)
        return b"".join(
            (head[:-1], b',"node_id":', node, b',"ops":[', ops, b'],"v":', canonical_json(self.version), b"}")
        )

    @cached_property
    def _sha256(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    def encode(self) -> bytes:
        """The wire form: gzip of the canonical JSON of the body plus its checksum."""
        document = {**self.body(), "sha256": self.sha256()}
        return gzip.compress(canonical_json(document), compresslevel=9, mtime=0)

    @classmethod
    def decode(cls, wire: bytes) -> "Batch":
        """Rebuild a batch from the wire, refusing a truncated, corrupted or oversized body (FormatError)."""
        document = decode_json(wire)
        if not isinstance(document, dict) or "ops" not in document or "sha256" not in document:
            raise FormatError("", "not a batch")
        try:
            batch = cls(
                node_id=from_plain(str, document.get("node_id"), "node_id"),
                epoch=from_plain(int, document.get("epoch"), "epoch"),
                first_seq=from_plain(int, document.get("first_seq"), "first_seq"),
                last_seq=from_plain(int, document.get("last_seq"), "last_seq"),
                operations=tuple(Operation.from_dict(op) for op in document["ops"]),
                version=from_plain(int, document.get("v"), "v"),
            )
        except ValueError as exc:
            raise exc if isinstance(exc, FormatError) else FormatError("", str(exc)) from exc
        try:
            computed = batch.sha256()
        except ValueError as exc:  # a value the canonical form cannot carry (a lone surrogate ...)
            raise FormatError("", str(exc)) from exc
        if computed != document["sha256"]:
            raise FormatError("sha256", "the body does not match its checksum")
        return batch


def decode_json(wire: bytes) -> Any:
    """Gunzip (bounded) and parse a JSON document from the wire."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        raw = inflater.decompress(wire, MAX_BODY_BYTES + 1)
    except zlib.error as exc:
        raise FormatError("", f"not a gzip body: {exc}") from exc
    if len(raw) > MAX_BODY_BYTES:
        raise FormatError("", "body too large")
    if not inflater.eof:
        raise FormatError("", "truncated body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FormatError("", f"not JSON: {exc}") from exc


def encode_json(document: Any) -> bytes:
    """Gzip of the canonical JSON of `document` (receipts and downstream changes)."""
    return gzip.compress(canonical_json(document), compresslevel=6, mtime=0)


def cut_batches(
    operations: Iterable[Operation], max_bytes: int = DEFAULT_BATCH_BYTES
) -> Iterator[tuple[Operation, ...]]:
    """Group consecutive operations into runs whose canonical size stays under `max_bytes` each.

    A single operation larger than `max_bytes` still travels, alone.
    """
    run: list[Operation] = []
    size = 0
    for op in operations:
        op_size = len(op.canonical_bytes()) + 1
        if run and size + op_size > max_bytes:
            yield tuple(run)
            run, size = [], 0
        run.append(op)
        size += op_size
    if run:
        yield tuple(run)


@dataclass(frozen=True)
class OperationReceipt:
    """One operation's outcome; `code` and `message` say why for conflicts and rejections."""

    seq: int
    op_id: str
    outcome: Outcome
    code: str = ""
    message: str = ""
    conflict_id: int | None = None


@dataclass(frozen=True)
class Receipt:
    """Central's answer to a batch. `high_water` is the last sequence central holds for the node's epoch."""

    node_id: str
    epoch: int
    batch_sha256: str
    high_water: int
    operations: tuple[OperationReceipt, ...]

    def to_dict(self) -> dict[str, Any]:
        """The plain form, built once: central stores it and sends it back (treat it as read-only)."""
        return self._plain

    @cached_property
    def _plain(self) -> dict[str, Any]:
        return to_plain(self)

    def canonical_bytes(self) -> bytes:
        """`canonical_json(self.to_dict())`, as central stores it, written from the values (an
        operation's receipt is a frozen dataclass of scalars and an enumeration, so its `vars`
        are its fields): central stores a receipt for every batch it takes in."""
        return canonical_json_of_values(
            {
                "node_id": self.node_id,
                "epoch": self.epoch,
                "batch_sha256": self.batch_sha256,
                "high_water": self.high_water,
                "operations": [vars(op) for op in self.operations],
            }
        )

    @classmethod
    def from_dict(cls, data: Any) -> "Receipt":
        return from_plain(cls, data)
