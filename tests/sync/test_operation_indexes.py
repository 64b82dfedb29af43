"""B3 at scale: `sync_operation` is keyed by (node, epoch, seq) alone (migration 0014), so no insert
touches a random page of an index on the node's random op_id; the migration keeps every row."""

from datetime import date

from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from central.db import migrate
from central.models import Conflict, SyncOperation
from sync_protocol import operations as ops
from sync_protocol.batch import Outcome
from tests.central.migrating import downgrade
from tests.sync.conftest import VanOutbox

DUE = date(2026, 6, 24)


def test_b3_operations_are_indexed_by_node_epoch_and_sequence_not_by_their_random_op_id(engine: Engine) -> None:
    inspector = inspect(engine)
    indexed = [tuple(index["column_names"]) for index in inspector.get_indexes("sync_operation")]
    unique = [tuple(c["column_names"]) for c in inspector.get_unique_constraints("sync_operation")]
    assert ("node_id", "epoch", "seq") in unique
    assert not any("op_id" in columns for columns in indexed + unique)


def test_migration_0014_keeps_every_operation_and_the_conflicts_that_point_at_them(
    engine: Engine, session: Session, van: VanOutbox
) -> None:
    receipt = van.send(van.op(ops.Lend("99990001", "T0000001", DUE)), van.op(ops.Return("T0000002")))
    assert [r.outcome for r in receipt.operations] == [Outcome.CONFLICT, Outcome.CONFLICT]
    before = _operations_and_conflicts(engine)

    downgrade(engine, "0013")
    try:
        assert _operations_and_conflicts(engine) == before
    finally:
        migrate(engine)

    assert _operations_and_conflicts(engine) == before


def _operations_and_conflicts(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        operations = session.exec(select(SyncOperation.id, SyncOperation.op_id, SyncOperation.sha256)).all()
        conflicts = session.exec(select(Conflict.id, Conflict.kind, Conflict.operation_id)).all()
    return sorted(tuple(row) for row in [*operations, *conflicts])
