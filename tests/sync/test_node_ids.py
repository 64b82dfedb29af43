"""A node id typed on a Japanese keyboard (full-width, R15-style input) is the same id at central and
on the van: both fold it with `normalize_node_id` before storing or looking it up."""

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from central.db import migrate
from central.errors import InvalidInput
from central.models import Location, NodeStatus, SyncNode
from central.services.context import ServiceContext
from central.sync.devices import enrol, node_by_code, register_node
from sync_protocol.signing import new_private_key, public_key_of
from tests.central.conftest import NOW
from tests.central.migrating import downgrade


def test_a_full_width_node_id_is_registered_found_and_enrolled_as_its_half_width_form(
    ctx: Callable[..., ServiceContext], locations: dict[str, Location]
) -> None:
    issued = register_node(ctx(), "　ＢＭ１－Ｚ ", locations["van"])

    assert issued.node.code == "BM1-Z"
    assert node_by_code(ctx(), "ＢＭ１－Ｚ").id == issued.node.id
    enrolled = enrol(ctx(), "ＢＭ１－Ｚ", issued.code, public_key_of(new_private_key()))
    assert (enrolled.code, enrolled.epoch) == ("BM1-Z", 1)


@pytest.mark.parametrize("typed", ["　 ", "図書館１", "BM1 A", "B" * 33])
def test_a_node_id_that_cannot_travel_in_a_request_header_is_refused_with_a_message(
    ctx: Callable[..., ServiceContext], locations: dict[str, Location], typed: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        register_node(ctx(), typed, locations["van"])
    assert refused.value.code == "malformed_node_code" and "半角英数字" in refused.value.ja


def test_migration_0019_folds_node_ids_stored_before_central_folded_them(
    engine: Engine, session: Session, ctx: Callable[..., ServiceContext], locations: dict[str, Location]
) -> None:
    """A node registered under "ＢＭ１－Ｂ " before ids were folded is found by the id typed for it
    once central is upgraded; one whose folded id another node holds, or which would fold to an id
    no request header can carry, is left as it was."""
    session.commit()  # the fixtures' reads end: the schema change takes the database
    downgrade(engine, "0018")
    try:
        with engine.begin() as connection:
            for code in ("ＢＭ１－Ｂ ", "BM1-C", "ＢＭ１－Ｃ", "図書館１"):
                connection.execute(
                    insert(SyncNode).values(
                        code=code, location_id=locations["van"].id, status=NodeStatus.PENDING, created_at=NOW
                    )
                )
    finally:
        migrate(engine)

    assert node_by_code(ctx(), "ＢＭ１－Ｂ").code == "BM1-B"
    assert {"BM1-B", "BM1-C", "ＢＭ１－Ｃ", "図書館１"} <= set(session.exec(select(SyncNode.code)))
