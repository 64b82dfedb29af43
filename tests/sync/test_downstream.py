"""B6 over real HTTP: the van's first pull, then changes since its cursor, checked per scope."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bookmobile.desk.lending import lend
from bookmobile.desk.renewals import renew
from bookmobile.errors import RuleRefused
from bookmobile.node import Node
from bookmobile.store.connection import reading
from bookmobile.store.snapshot_tables import read_snapshot
from bookmobile.sync.session import sync_once
from central.db import new_session
from central.models import ChangeLogEntry, Item, Location
from central.services.changelog import pack_keys
from central.services.context import ServiceContext, transaction
from central.services.holds import place_hold
from central.services.lookup import patron_by_card
from central.services.patrons import add_block
from sync_protocol.policy import CirculationPolicy
from sync_protocol.timezone import tokyo_date, utc_now
from tests.central.test_nightly_support import run_on, settings_for
from tests.sync.harness import CARDS, VAN_COPIES, enrolled_van


@pytest.fixture
def van(tmp_path: Path, central: tuple[str, Engine, str]) -> Iterator[Node]:
    url, _, code = central
    node = enrolled_van(tmp_path / "van", url, code)
    yield node
    node.close()


def stored(node: Node):  # type: ignore[no-untyped-def]
    with reading(node.conn):
        snapshot = read_snapshot(node.conn)
    assert snapshot is not None
    return snapshot


def test_b6_first_pull_carries_the_roster_without_addresses_and_the_van_copies(van: Node) -> None:
    snapshot = stored(van)
    assert {r.card_number for r in snapshot.roster} >= set(CARDS)
    assert {i.barcode for i in snapshot.items} == set(VAN_COPIES)
    assert {s.code for s in snapshot.stops} == {"BM1-S01", "BM1-S02"}
    assert snapshot.card_blocks and snapshot.card_blocks[0].first == "80000000"
    fields = set(type(snapshot.roster[0]).__dataclass_fields__)
    assert not fields & {"address", "phone", "birth_date", "email"}  # least data on the van


def test_b6_a_hold_placed_at_central_shows_on_the_van_after_a_pull_and_r9_refuses_renewal(
    van: Node, central: tuple[str, Engine, str]
) -> None:
    _, engine, _ = central
    lend(van, CARDS[0], VAN_COPIES[0])
    sync_once(van, van.settings)
    with new_session(engine) as session:
        with transaction(session):
            item = session.exec(select(Item).where(Item.barcode == VAN_COPIES[0])).one()
            main = session.exec(select(Location).where(Location.code == "MAIN")).one()
        ctx = ServiceContext(session, CirculationPolicy(), "patron:web", main.id)
        place_hold(ctx, patron_by_card(session, CARDS[1]), item.bib_id, main.id, "phone")  # type: ignore[arg-type]
    report = sync_once(van, van.settings)
    assert not report.pulled.full and report.pulled.changed > 0
    title = next(t for t in stored(van).titles if t.bib_id == item.bib_id)
    assert title.holds_waiting == 1
    with pytest.raises(RuleRefused) as error:
        renew(van, VAN_COPIES[0])
    assert error.value.code == "renewal_hold_waiting"


def test_b6_a_block_placed_at_central_reaches_the_van_roster(van: Node, central: tuple[str, Engine, str]) -> None:
    _, engine, _ = central
    with new_session(engine) as session:
        ctx = ServiceContext(session, CirculationPolicy(), "staff:1", None)
        add_block(ctx, patron_by_card(session, CARDS[2]), "lost_card")
    sync_once(van, van.settings)
    entry = next(r for r in stored(van).roster if r.card_number == CARDS[2])
    assert entry.blocked


def test_b6_a_damaged_local_snapshot_is_repaired_by_a_full_pull(van: Node) -> None:
    with van.conn:
        van.conn.execute("DELETE FROM snap_patron WHERE card_number = ?", (CARDS[3],))
    report = sync_once(van, van.settings)
    assert report.pulled.full
    snapshot = stored(van)
    assert CARDS[3] in {r.card_number for r in snapshot.roster}


def test_b6_a_pull_after_more_changes_than_one_sql_statement_may_name_still_arrives(
    van: Node, central: tuple[str, Engine, str]
) -> None:
    """A van away for weeks: the nightly job alone touches a patron per forgotten loan. A statement
    may carry at most 32,766 values on SQLite as built by default (250,000 as Debian builds it) and
    65,535 on PostgreSQL, so the changed keys are read in slices."""
    _, engine, _ = central
    many = pack_keys(range(1, 300_001))
    with new_session(engine) as session, transaction(session):
        session.add_all([ChangeLogEntry(scope=scope, keys=many) for scope in ("roster", "items", "titles", "holds")])
    with new_session(engine) as session:
        ctx = ServiceContext(session, CirculationPolicy(), "staff:1", None)
        add_block(ctx, patron_by_card(session, CARDS[2]), "lost_card")

    report = sync_once(van, van.settings)

    assert not report.pulled.full  # the changes themselves arrived, not a re-bootstrap
    entry = next(r for r in stored(van).roster if r.card_number == CARDS[2])
    assert entry.blocked


def test_b6_a_van_whose_cursor_is_older_than_the_forgotten_change_log_takes_a_full_snapshot(
    van: Node, central: tuple[str, Engine, str], tmp_path: Path
) -> None:
    """No reading history: the nightly job forgets the change log's old entries. A van whose
    cursor is older gets changes with some missing; its checksums then differ from central's and
    it takes a full snapshot, so it still ends up as central is."""
    _, engine, _ = central
    for card in (CARDS[2], CARDS[3]):
        with new_session(engine) as session:
            add_block(
                ServiceContext(session, CirculationPolicy(), "staff:1", None),
                patron_by_card(session, card),
                "lost_card",
            )
    report = run_on(engine, settings_for(engine, tmp_path, change_log_days=0), tokyo_date(utc_now()))
    assert report.counts["forget_change_log"]["forgotten"] > 0  # the first block's entry; the newest stays

    first = sync_once(van, van.settings)
    second = sync_once(van, van.settings)

    assert first.pulled.full and not second.pulled.full
    blocked = {r.card_number for r in stored(van).roster if r.blocked}
    assert {CARDS[2], CARDS[3]} <= blocked
