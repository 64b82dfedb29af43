"""B3 over real HTTP (Uvicorn on loopback): every fault ends with each operation applied exactly once."""

import dataclasses
import gzip
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine
from sqlmodel import col, select

from bookmobile.desk.lending import lend
from bookmobile.desk.returns import take_back
from bookmobile.node import Node, open_node
from bookmobile.store import outbox
from bookmobile.store.connection import reading
from bookmobile.sync.errors import CentralRefused, DivergedFromCentral
from bookmobile.sync.session import make_link, sync_once
from central.db import new_session
from central.models import Conflict, Loan, NodeStatus, SyncNode
from central.services.context import ServiceContext, transaction
from central.sync.devices import node_by_code, revoke
from sync_protocol import operations as ops
from sync_protocol.batch import Batch
from sync_protocol.policy import CirculationPolicy
from tests.sync.harness import (
    CARDS,
    NODE,
    VAN_COPIES,
    VanClock,
    central_operations,
    enrolled_van,
    faulty_session,
    node_settings,
)


@pytest.fixture
def van(tmp_path: Path, central: tuple[str, Engine, str]) -> Iterator[Node]:
    url, _, code = central
    node = enrolled_van(tmp_path / "van", url, code, sync_batch_bytes=700)
    yield node
    node.close()


def lend_three(node: Node) -> None:
    for barcode in VAN_COPIES[:3]:
        lend(node, CARDS[0], barcode)


def open_loans(engine: Engine) -> list[Loan]:
    with new_session(engine) as session, transaction(session):
        return list(session.exec(select(Loan).where(col(Loan.returned_at).is_(None))))


def assert_exactly_once(engine: Engine, node: Node) -> None:
    """Every operation of the node is at central once, in order, and the node knows it."""
    with reading(node.conn):
        local = node.conn.execute("SELECT seq, op_id FROM outbox ORDER BY seq").fetchall()
        assert outbox.counts(node.conn).pending == 0
    held = [(op.seq, op.op_id) for op in central_operations(engine)]
    assert held == [tuple(row) for row in local]


def test_b3_response_lost_after_commit_is_not_applied_twice(central: tuple, van: Node) -> None:
    _, engine, _ = central
    lend_three(van)

    def lose_response(request: requests.PreparedRequest, forward):  # type: ignore[no-untyped-def]
        forward()  # central commits the batch...
        raise requests.ConnectionError("connection reset after the answer was sent")  # ...the answer is lost

    sync_once(van, van.settings, http=faulty_session("/sync/v1/batches", lose_response))
    assert_exactly_once(engine, van)
    assert len(open_loans(engine)) == 3


def test_b3_node_killed_mid_upload_resends_and_applies_once(central: tuple, van: Node, tmp_path: Path) -> None:
    _, engine, _ = central
    lend_three(van)

    def die_mid_body(request: requests.PreparedRequest, forward):  # type: ignore[no-untyped-def]
        body = request.body if isinstance(request.body, bytes) else b""
        request.body = body[: len(body) // 2]
        request.headers["Content-Length"] = str(len(request.body))
        forward(request)
        raise KeyboardInterrupt  # the laptop lost power while sending

    with pytest.raises(KeyboardInterrupt):
        sync_once(van, van.settings, http=faulty_session("/sync/v1/batches", die_mid_body))
    van.close()
    with open_node(node_settings(tmp_path / "van", sync_batch_bytes=700), VanClock()) as restarted:
        sync_once(restarted, restarted.settings)
        assert_exactly_once(engine, restarted)
    assert len(open_loans(engine)) == 3


def test_b3_the_same_batch_sent_twice_is_applied_once_and_answered_with_the_same_receipt(
    central: tuple, van: Node
) -> None:
    _, engine, _ = central
    lend_three(van)
    sent: list[tuple[bytes, bytes]] = []

    def record(request: requests.PreparedRequest, forward):  # type: ignore[no-untyped-def]
        response = forward(request)
        sent.append((request.body, response.content))  # type: ignore[arg-type]
        return response

    sync_once(van, van.settings, http=faulty_session("/sync/v1/batches", record, times=10))
    link = make_link(van, van.settings)
    link.handshake()
    for body, first_answer in sent:  # the node sends every batch again (freshly signed)
        assert link.call("POST", "/sync/v1/batches", body) == json.loads(first_answer)
    assert_exactly_once(engine, van)
    assert len(open_loans(engine)) == 3


def test_b3_batches_out_of_order_are_refused_then_resent_in_order(central: tuple, van: Node) -> None:
    _, engine, _ = central
    lend_three(van)
    for barcode in VAN_COPIES[:3]:
        take_back(van, barcode)
    held: list[requests.PreparedRequest] = []

    def hold_back_first(request: requests.PreparedRequest, forward):  # type: ignore[no-untyped-def]
        held.append(request.copy())
        raise requests.ConnectionError("first batch delayed")  # it arrives after the second one

    session = faulty_session("/sync/v1/batches", hold_back_first, times=1)
    sync_once(van, van.settings, http=session)
    late = requests.Session().send(held[0])  # the delayed first batch finally arrives: a replay
    assert late.status_code == 200
    assert_exactly_once(engine, van)
    assert open_loans(engine) == []


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_b3_a_truncated_or_corrupted_body_is_refused_and_nothing_is_applied(
    central: tuple, van: Node, damage: str
) -> None:
    _, engine, _ = central
    lend_three(van)

    def damaged(request: requests.PreparedRequest, forward):  # type: ignore[no-untyped-def]
        body = bytearray(request.body if isinstance(request.body, bytes) else b"")
        if damage == "truncate":
            body = body[: len(body) - 7]
        else:
            raw = bytearray(gzip.decompress(bytes(body)))
            raw[raw.index(b"3000000001")] = ord("9")  # one digit changed in transit
            body = bytearray(gzip.compress(bytes(raw)))
        request.body = bytes(body)
        request.headers["Content-Length"] = str(len(body))
        return forward(request)

    with pytest.raises(CentralRefused) as error:
        sync_once(van, van.settings, http=faulty_session("/sync/v1/batches", damaged))
    # The signature covers the body's hash, so damage in transit is caught before the batch is read.
    assert getattr(error.value, "central_code", "") == "sync_not_authenticated"
    assert central_operations(engine) == []
    sync_once(van, van.settings)
    assert_exactly_once(engine, van)


def test_b3_a_revoked_node_is_refused_at_once(central: tuple, van: Node) -> None:
    _, engine, _ = central
    lend_three(van)
    with new_session(engine) as session:
        admin = ServiceContext(session, CirculationPolicy(), "staff:admin", None)
        revoke(admin, node_by_code(admin, NODE))
    with pytest.raises(CentralRefused) as error:
        sync_once(van, van.settings)
    assert getattr(error.value, "central_code", "") == "node_revoked"
    assert central_operations(engine) == []
    with reading(van.conn):
        assert outbox.counts(van.conn).pending == 3  # kept on the van, not lost


def test_b3_a_captured_signed_request_cannot_be_replayed(central: tuple, van: Node) -> None:
    _, engine, _ = central
    lend_three(van)
    captured: list[requests.PreparedRequest] = []

    def capture(request: requests.PreparedRequest, forward):  # type: ignore[no-untyped-def]
        captured.append(request.copy())
        return forward(request)

    sync_once(van, van.settings, http=faulty_session("/sync/v1/batches", capture))
    replay = requests.Session().send(captured[0])
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "sync_not_authenticated"
    assert_exactly_once(engine, van)


def test_b3_a_node_restored_from_an_old_backup_is_stopped_and_nothing_is_lost(
    central: tuple, van: Node, tmp_path: Path
) -> None:
    _, engine, _ = central
    lend(van, CARDS[0], VAN_COPIES[0])
    van.close()
    folder = tmp_path / "van"
    backup = tmp_path / "backup"
    shutil.copytree(folder, backup)
    settings = node_settings(folder, sync_batch_bytes=700)
    with open_node(settings, VanClock()) as node:
        lend(node, CARDS[1], VAN_COPIES[1])
        sync_once(node, settings)  # seq 1 and 2 reach central
    shutil.rmtree(folder)
    shutil.copytree(backup, folder)  # the laptop is restored from the old backup
    with open_node(settings, VanClock()) as restored:
        lend(restored, CARDS[2], VAN_COPIES[2])  # its new seq 2 differs from central's seq 2
        with pytest.raises(DivergedFromCentral):
            sync_once(restored, settings)
        with reading(restored.conn):
            assert outbox.counts(restored.conn).pending == 2  # nothing is marked sent on a mismatch
    assert [op.seq for op in central_operations(engine)] == [1, 2]


def test_b3_a_node_that_hides_its_restore_is_quarantined_with_its_operations_kept(central: tuple, van: Node) -> None:
    """Even a node that skips its own check cannot overwrite history: central compares bodies."""
    _, engine, _ = central
    lend(van, CARDS[0], VAN_COPIES[0])
    sync_once(van, van.settings)
    with reading(van.conn):
        (body,) = van.conn.execute("SELECT body FROM outbox WHERE seq = 1").fetchone()
    original = ops.Operation.from_dict(json.loads(body))
    other = dataclasses.replace(original, op_id=str(uuid.uuid4()), payload=ops.Return(VAN_COPIES[5]))
    link = make_link(van, van.settings)
    link.handshake()
    answer = link.call("POST", "/sync/v1/batches", Batch(NODE, 1, 1, 1, (other,)).encode())
    assert answer["operations"][0]["outcome"] == "conflict"
    with new_session(engine) as session, transaction(session):
        node = session.exec(select(SyncNode).where(SyncNode.code == NODE)).one()
        assert node.status == NodeStatus.QUARANTINED
        (conflict,) = session.exec(select(Conflict).where(Conflict.kind == "restored_node")).all()
        assert VAN_COPIES[5] in conflict.van_facts  # the diverging operation is kept for the admin
    with pytest.raises(CentralRefused) as error:
        sync_once(van, van.settings)
    assert getattr(error.value, "central_code", "") == "node_quarantined"


def test_spec8_a_van_clock_five_hours_off_still_syncs_and_times_are_corrected(central: tuple, tmp_path: Path) -> None:
    url, engine, code = central
    node = enrolled_van(tmp_path / "skewed", url, code, clock=VanClock(error_s=5 * 3600))
    lend(node, CARDS[0], VAN_COPIES[0])
    report = sync_once(node, node.settings)
    assert abs(report.offset_ms - 5 * 3600 * 1000) < 5000
    (loan,) = open_loans(engine)
    assert abs((loan.out_at - VanClock().now()).total_seconds()) < 60  # central's time, not the van's
    with new_session(engine) as session, transaction(session):
        node_row = session.exec(select(SyncNode)).one()
        assert abs(node_row.clock_offset_ms - 5 * 3600 * 1000) < 5000  # type: ignore[operator]
    assert_exactly_once(engine, node)
    node.close()
