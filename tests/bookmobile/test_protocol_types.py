"""The wire types the van produces (sync_protocol.operations, .snapshot, .hlc, .codec)."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_protocol.codec import FormatError, canonical_json
from sync_protocol.eligibility import is_eligible_for_internet_service
from sync_protocol.eligibility_dates import internet_service_eligible_from
from sync_protocol.hlc import Hlc, observe, tick
from sync_protocol.operations import (
    PAYLOAD_TYPES,
    ApplyInternetService,
    ChangeEmail,
    HandOverHold,
    IdDocumentKind,
    Lend,
    LoadHoldCopy,
    Operation,
    RegisterPatron,
    ReissuePassword,
    Renew,
    Return,
)
from sync_protocol.snapshot import CardNumberBlock, Snapshot
from tests.bookmobile.builders import make_snapshot

WHEN = datetime(2025, 6, 4, 1, 2, 3, 456000, tzinfo=UTC)
PAYLOADS = [
    RegisterPatron("2000000001", "山田 太郎", "ヤマダ タロウ", date(1990, 5, 1), "宜野湾市1-1", "098-000-0000", None),
    ApplyInternetService("2000000001", IdDocumentKind.DRIVING_LICENCE, "$argon2id$v=19$..."),
    ReissuePassword("2000000001", IdDocumentKind.HEALTH_INSURANCE, "$argon2id$v=19$..."),
    ChangeEmail("2000000001", "taro@example.jp"),
    Lend("2000000001", "B0001", date(2025, 6, 18), bypassed_hold_id=70),
    Return("B0001", hold_waiting=True),
    Renew("2000000001", "B0001", date(2025, 6, 18), date(2025, 7, 2)),
    HandOverHold(71, "2000000001", "B0008", date(2025, 6, 18)),
    LoadHoldCopy(72, "B0009"),
]


def operation(payload: object, seq: int = 1) -> Operation:
    return Operation(str(uuid.uuid4()), "van-1", 1, seq, WHEN, Hlc(1).encode(), "S01", payload)  # type: ignore[arg-type]


def test_every_operation_type_has_a_payload_that_round_trips() -> None:
    assert {type(p) for p in PAYLOADS} == set(PAYLOAD_TYPES.values())
    for payload in PAYLOADS:
        op = operation(payload)
        assert Operation.from_dict(json.loads(op.canonical_bytes())) == op


def test_canonical_bytes_sort_keys_and_keep_japanese_as_utf8() -> None:
    op = operation(PAYLOADS[0])
    body = op.canonical_bytes()
    keys = list(json.loads(body))
    assert keys == sorted(keys)
    assert "山田".encode() in body and b"\\u" not in body
    assert b", " not in body and b": " not in body
    assert op.sha256() == operation_from(body).sha256()


def operation_from(body: bytes) -> Operation:
    return Operation.from_dict(json.loads(body))


def test_wall_time_is_utc_with_z_whatever_zone_it_was_given_in() -> None:
    tokyo = WHEN.astimezone(timezone(timedelta(hours=9)))
    op = Operation(str(uuid.uuid4()), "van-1", 1, 1, tokyo, Hlc(1).encode(), "S01", PAYLOADS[5])
    assert op.to_dict()["wall_time"] == "2025-06-04T01:02:03.456000Z"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"type": "teleport"}, "type"),
        ({"seq": "1"}, "seq"),
        ({"extra": 1}, ""),
        ({"payload": {"barcode": "B0001"}}, "payload"),
        ({"payload": {"barcode": "B0001", "hold_waiting": "yes"}}, "payload.hold_waiting"),
    ],
)
def test_malformed_operations_are_refused_with_the_place(change: dict, where: str) -> None:
    data = {**operation(Return("B0001")).to_dict(), **change}
    if change.get("payload", {}).get("barcode") and "hold_waiting" not in change["payload"]:
        data["type"] = "lend"
    with pytest.raises(FormatError) as caught:
        Operation.from_dict(data)
    assert caught.value.path.startswith(where)


def test_operation_refuses_a_naive_wall_time_and_a_bad_uuid() -> None:
    with pytest.raises(ValueError):
        Operation(str(uuid.uuid4()), "van-1", 1, 1, WHEN.replace(tzinfo=None), "x", "S01", PAYLOADS[5])
    with pytest.raises(ValueError):
        Operation("not-a-uuid", "van-1", 1, 1, WHEN, "x", "S01", PAYLOADS[5])


def test_snapshot_round_trips_through_json() -> None:
    snapshot = make_snapshot()
    assert Snapshot.from_json(snapshot.to_json()) == snapshot
    assert canonical_json(snapshot) == snapshot.to_json()


def test_b6_roster_entries_carry_no_address_phone_or_birth_date() -> None:
    entry = make_snapshot().to_dict()["roster"][0]
    assert set(entry) == {
        "card_number",
        "name",
        "name_reading",
        "blocked",
        "open_loans",
        "has_internet_account",
        "internet_eligible_from",
    }


def test_snapshot_refuses_an_item_of_an_unlisted_title() -> None:
    data = make_snapshot().to_dict()
    data["items"][0]["bib_id"] = 999
    with pytest.raises(FormatError, match="title 999"):
        Snapshot.from_dict(data)


def test_card_number_block_contains_and_counts() -> None:
    block = CardNumberBlock("0020000000", "0020000099")
    assert "0020000050" in block and "20000050" not in block and "0020000100" not in block
    assert block.size == 100 and block.number_at(5) == "0020000005"
    with pytest.raises(ValueError):
        CardNumberBlock("0020000099", "0020000000")


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=40 * 366))
def test_r1_eligible_from_agrees_with_the_r1_rule(birth: date, days_later: int) -> None:
    on = birth + timedelta(days=days_later)
    assert (on >= internet_service_eligible_from(birth)) == is_eligible_for_internet_service(birth, on)


def test_r1_eligible_from_cohort_boundaries() -> None:
    assert internet_service_eligible_from(date(2013, 4, 1)) == date(2025, 4, 1)
    assert internet_service_eligible_from(date(2013, 4, 2)) == date(2026, 4, 1)


def test_hlc_never_goes_backwards_when_the_wall_clock_does() -> None:
    first = tick(None, 1_000)
    second = tick(first, 500)  # the clock was set back
    third = tick(second, 2_000)
    assert first < second < third
    assert second == Hlc(1_000, 1) and third == Hlc(2_000, 0)
    assert first.encode() < second.encode() < third.encode()


def test_hlc_observe_moves_past_a_remote_clock_ahead_of_ours() -> None:
    ours = tick(None, 1_000)
    merged = observe(ours, Hlc(5_000, 3), now_ms=1_500)
    assert merged == Hlc(5_000, 4)
    assert tick(merged, 1_600) == Hlc(5_000, 5)
    assert Hlc.decode(merged.encode()) == merged
    with pytest.raises(ValueError):
        Hlc.decode("yesterday")
