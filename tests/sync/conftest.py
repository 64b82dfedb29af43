"""Fixtures for central's sync side: an enrolled node and a way to send it operations in-process."""

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from central.models import Location, SyncNode
from central.services.context import ServiceContext, transaction
from central.sync.devices import enrol, register_node
from central.sync.ingest import ingest_batch
from sync_protocol import operations as ops
from sync_protocol.batch import Batch, Receipt
from sync_protocol.signing import new_private_key, public_key_of
from tests.central.conftest import *  # noqa: F403 - fixtures shared with central's tests
from tests.central.conftest import NOW
from tests.sync.harness import prepared_central, serve


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, Engine, str]]:
    """Central served by Uvicorn on loopback with one van registered: (URL, engine, enrolment code)."""
    settings, engine, code = prepared_central(tmp_path / "central")
    with serve(settings) as url:
        yield url, engine, code
    engine.dispose()


@pytest.fixture
def van_node(ctx: Callable[..., ServiceContext], locations: dict[str, Location]) -> SyncNode:
    """Node BM1-A of the bookmobile, enrolled (epoch 1) the day before NOW."""
    admin = ctx(now=NOW - timedelta(days=1), actor="staff:admin")
    issued = register_node(admin, "BM1-A", locations["van"])
    return enrol(admin, "BM1-A", issued.code, public_key_of(new_private_key()))


class VanOutbox:
    """Builds the van's operations (gap-free sequence) and sends them as batches, in-process."""

    def __init__(self, node: SyncNode, ctx: Callable[..., ServiceContext]) -> None:
        self.node = node
        self.ctx = ctx
        self.seq = 0

    def op(self, payload: ops.Payload, at: datetime = NOW, stop: str = "BM1-S01") -> ops.Operation:
        self.seq += 1
        return ops.Operation(
            op_id=str(uuid.uuid4()),
            node_id=self.node.code,
            epoch=self.node.epoch,
            seq=self.seq,
            wall_time=at,
            hlc=f"{int(at.timestamp() * 1000):015d}-000000",
            stop_code=stop,
            payload=payload,
        )

    def send(self, *operations: ops.Operation, received: datetime | None = None) -> Receipt:
        batch = Batch(self.node.code, self.node.epoch, operations[0].seq, operations[-1].seq, tuple(operations))
        return ingest_batch(self.ctx(now=received or NOW + timedelta(hours=8)), self.node, batch)


@pytest.fixture
def van(van_node: SyncNode, ctx: Callable[..., ServiceContext]) -> VanOutbox:
    return VanOutbox(van_node, ctx)


def reload(session: Session, obj: Any) -> Any:
    """A fresh read of `obj` in a new transaction (what another request would see)."""
    with transaction(session):
        session.refresh(obj)
    return obj
