"""The batch wire format (B3): checksums, truncation, size limits, cutting by bytes."""

import dataclasses
import gzip
import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_protocol import operations as ops
from sync_protocol.batch import MAX_BODY_BYTES, Batch, OperationReceipt, Outcome, Receipt, cut_batches
from sync_protocol.codec import FormatError, canonical_json


def operation(seq: int) -> ops.Operation:
    return ops.Operation(
        op_id=str(uuid.uuid4()),
        node_id="BM1-A",
        epoch=1,
        seq=seq,
        wall_time=datetime(2026, 6, 10, 1, 0, tzinfo=UTC),
        hlc=f"{1781053200000 + seq:015d}-000000",
        stop_code="BM1-S01",
        payload=ops.Return(f"30000000{seq:02d}"),
    )


def batch(count: int = 3) -> Batch:
    operations = tuple(operation(n) for n in range(1, count + 1))
    return Batch("BM1-A", 1, 1, count, operations)


def test_b3_a_batch_survives_the_wire_unchanged() -> None:
    original = batch()
    assert Batch.decode(original.encode()) == original


def test_b3_a_truncated_batch_is_refused() -> None:
    wire = batch().encode()
    with pytest.raises(FormatError):
        Batch.decode(wire[:-9])


def test_b3_a_batch_whose_body_does_not_match_its_checksum_is_refused() -> None:
    raw = gzip.decompress(batch().encode()).replace(b"3000000001", b"3000000009")
    with pytest.raises(FormatError) as error:
        Batch.decode(gzip.compress(raw))
    assert error.value.path == "sha256"


def test_b3_a_body_that_inflates_past_the_limit_is_refused() -> None:
    bomb = gzip.compress(b"[" + b" " * (MAX_BODY_BYTES + 10) + b"]")
    with pytest.raises(FormatError):
        Batch.decode(bomb)


def test_b3_batches_are_cut_by_size_and_keep_their_order() -> None:
    operations = [operation(n) for n in range(1, 41)]
    runs = list(cut_batches(operations, max_bytes=2000))
    assert len(runs) > 1
    assert [op.seq for run in runs for op in run] == list(range(1, 41))
    assert all(sum(len(op.canonical_bytes()) + 1 for op in run) <= 2000 for run in runs)


def test_b3_a_batch_must_hold_consecutive_sequence_numbers() -> None:
    with pytest.raises(ValueError):
        Batch("BM1-A", 1, 1, 3, (operation(1), operation(3)))


@given(
    node_id=st.text(min_size=1, max_size=12),
    epoch=st.integers(min_value=1, max_value=10**6),
    first=st.integers(min_value=1, max_value=10**9),
    count=st.integers(min_value=1, max_value=5),
)
def test_b3_the_assembled_checksum_body_is_the_canonical_json_of_the_batch(
    node_id: str, epoch: int, first: int, count: int
) -> None:
    operations = tuple(
        dataclasses.replace(operation(n + 1), node_id=node_id, epoch=epoch, seq=first + n) for n in range(count)
    )
    built = Batch(node_id, epoch, first, first + count - 1, operations)
    assert built.canonical_bytes() == canonical_json(built.body())
    assert built.sha256() == hashlib.sha256(canonical_json(built.body())).hexdigest()


_RECEIPTS = st.builds(
    OperationReceipt,
    seq=st.integers(min_value=1, max_value=2**63 - 1),
    op_id=st.text(),
    outcome=st.sampled_from(Outcome),
    code=st.text(),
    message=st.text(),
    conflict_id=st.none() | st.integers(min_value=1, max_value=2**63 - 1),
)


@given(
    node_id=st.text(min_size=1),
    epoch=st.integers(min_value=1, max_value=2**63 - 1),
    high_water=st.integers(min_value=0, max_value=2**63 - 1),
    operations=st.lists(_RECEIPTS, max_size=6),
)
def test_b3_a_stored_receipt_is_the_canonical_json_of_its_plain_form(
    node_id: str, epoch: int, high_water: int, operations: list[OperationReceipt]
) -> None:
    """Central stores the receipt it answers a replay with: written from the values, it must be
    the bytes `canonical_json` gives for its plain form, and read back equal."""
    receipt = Receipt(node_id, epoch, "0" * 64, high_water, tuple(operations))
    stored = receipt.canonical_bytes()
    assert stored == canonical_json(receipt.to_dict())
    assert Receipt.from_dict(json.loads(stored)) == receipt
