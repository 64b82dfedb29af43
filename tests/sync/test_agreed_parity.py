"""The set-based lane of the ingest (central.services.agreed) writes exactly what the services would.

One library, one van's day full of disagreements (SPEC 1-8, 10, 12, R9, R14): applied once with the
lane, once with every operation through the per-operation services. Every table must end up the
same, row for row and id for id, and the receipts must be the same. The day is seeded, and the
test checks the lane really took most of it, so it cannot pass by declining everything.
"""

import random
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from central import bulk
from central.db import make_engine, new_session
from central.models import Bib, Conflict, Item, ItemStatus, Loan, LocationKind, Patron, SyncNode, metadata
from central.services import accounts, circulation, holds, patrons
from central.services.agreed import AgreedRun
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.sync import agreed
from central.sync.devices import allocate_card_block, enrol, register_node
from central.sync.ingest import ingest_batch
from sync_protocol import operations as ops
from sync_protocol.batch import Batch, Receipt
from sync_protocol.passwords import hash_password
from sync_protocol.policy import CirculationPolicy
from sync_protocol.signing import public_key_of
from tests.central.conftest import _empty
from tests.conftest import PostgresServer

DAY = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
EVENING = DAY + timedelta(hours=11)
NODE = "BM1-P"
TITLES = 12
COPIES_PER_TITLE = 3
PATRONS = 40
HASH = hash_password("parity-pass")


def _barcode(n: int) -> str:
    return f"3{n:09d}"


def _card(n: int) -> str:
    return f"{10_000_001 + n}"


def _build(url: str) -> None:
    """Central before the day: copies on the van, patrons (two blocked, some with accounts and an
    online e-mail change later than the van's), loans, holds (one caught on the hold shelf)."""
    engine = make_engine(url)
    policy = CirculationPolicy()
    with new_session(engine) as session:
        setup = ServiceContext(session, policy, "staff:1", None, DAY - timedelta(days=20))
        main = add_location(setup, "MAIN", LocationKind.MAIN, "本館")
        van = add_location(setup, "BM1", LocationKind.BOOKMOBILE, "移動図書館")
        add_location(setup, "BM1-S01", LocationKind.STOP, "大山公民館", parent=van)
        with transaction(session):
            session.add_all([Bib(title=f"資料{n}", title_reading=f"しりょう{n}") for n in range(TITLES)])
        bib_ids = list(session.exec(select(Bib.id).order_by(Bib.id)))
        desk = ServiceContext(session, policy, "staff:1", main.id, DAY - timedelta(days=10))
        add_copies(
            desk,
            [NewCopy(_barcode(n), bib_ids[n % TITLES], van.id) for n in range(TITLES * COPIES_PER_TITLE)],  # type: ignore[arg-type]
        )
        people = []
        for n in range(PATRONS):
            born = date(2015, 1, 1) if n % 13 == 0 else date(1960 + n % 40, 1 + n % 12, 1 + n % 27)
            form = patrons.Registration(_card(n), f"利用者{n}", f"りようしゃ{n}", born, email=f"u{n}@example.jp")
            people.append(patrons.register_patron(desk, form))
        for person in people[1:7]:
            accounts.apply_internet_service(desk, person, "driving_licence", password_hash=HASH)
        later = ServiceContext(session, policy, f"patron:{people[7].id}", None, DAY + timedelta(hours=10))
        accounts.change_email(later, people[7], "later@example.jp")
        patrons.add_block(desk, people[3], "lost_card")
        patrons.add_block(desk, people[11], "overdue")
        for n in range(0, 9):
            circulation.lend(desk, people[n + 20], _barcode(n))
        circulation.renew_by_barcode(
            ServiceContext(session, policy, "staff:1", main.id, DAY - timedelta(days=5)), _barcode(1)
        )
        holds.place_hold(desk, people[30], bib_ids[0], main.id, "email")  # type: ignore[arg-type]
        holds.place_hold(desk, people[31], bib_ids[5], main.id, "email")  # type: ignore[arg-type]
        holds.place_hold(desk, people[32], bib_ids[9], main.id, "phone")  # type: ignore[arg-type]
        admin = ServiceContext(session, policy, "staff:admin", main.id, DAY - timedelta(days=1))
        issued = register_node(admin, NODE, van)
        allocate_card_block(admin, issued.node, size=1000)
        enrol(admin, NODE, issued.code, public_key_of(bytes(32)))
    engine.dispose()


def _day(seed: int, count: int) -> list[ops.Operation]:
    """A van's day as the van believed it: mostly sound, often wrong about central."""
    rng = random.Random(seed)
    copies = TITLES * COPIES_PER_TITLE
    lent: dict[str, str] = {}
    new_cards: list[str] = []
    result = []
    for seq in range(1, count + 1):
        at = DAY + timedelta(seconds=60 * seq)
        today = (at + timedelta(hours=9)).date()
        roll = rng.random()
        card = _card(rng.randrange(PATRONS))
        payload: ops.Payload
        if roll < 0.35:
            barcode = _barcode(rng.randrange(copies + 2))  # now and then a barcode central never had
            lent[barcode] = card
            payload = ops.Lend(card, barcode, today + timedelta(days=14))
        elif roll < 0.60:
            barcode = rng.choice(list(lent)) if lent and rng.random() < 0.8 else _barcode(rng.randrange(copies))
            lent.pop(barcode, None)
            payload = ops.Return(barcode)
        elif roll < 0.72:
            barcode, holder = rng.choice(list(lent.items())) if lent else (_barcode(0), card)
            payload = ops.Renew(holder if rng.random() < 0.9 else card, barcode, today, today + timedelta(days=14))
        elif roll < 0.80:
            taken = rng.random() < 0.15
            twin = rng.random() < 0.15
            n = rng.randrange(PATRONS)
            new = _card(500 + seq) if not taken else _card(n)
            reading = f"りようしゃ{n}" if twin else f"しんき{seq}"
            born = date(1960 + n % 40, 1 + n % 12, 1 + n % 27) if twin else date(1990, 4, 2)
            payload = ops.RegisterPatron(new, f"新規{seq}", reading, born, "宜野湾市", "098", None)
            new_cards.append(new)
        elif roll < 0.86:
            who = new_cards.pop() if new_cards and rng.random() < 0.7 else card
            payload = ops.ApplyInternetService(who, ops.IdDocumentKind.HEALTH_INSURANCE, HASH)
        elif roll < 0.95:
            address = rng.choice([f"v{seq}@example.jp", "bad..dots@example.jp", "dot.@example.jp", None])
            payload = ops.ChangeEmail(card if rng.random() < 0.8 else _card(7), address)
        else:
            payload = ops.ReissuePassword(card, ops.IdDocumentKind.PASSPORT, HASH)
        # Once in the day the van's clock is two hours behind for one operation (SPEC 8).
        wall = at - timedelta(hours=2) if seq == count // 2 else at
        op_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        result.append(ops.Operation(op_id, NODE, 1, seq, wall, f"{seq:015d}-000000", "BM1-S01", payload))
    return result


def _apply(url: str, day: list[ops.Operation], batch_size: int = 60) -> list[Receipt]:
    """Send the day in batches, each taken in by central at EVENING."""
    engine = make_engine(url)
    receipts = []
    with new_session(engine) as session:
        for start in range(0, len(day), batch_size):
            run = tuple(day[start : start + batch_size])
            node = session.exec(select(SyncNode).where(SyncNode.code == NODE)).one()
            ctx = ServiceContext(session, CirculationPolicy(), "system:test", None, EVENING)
            receipts.append(ingest_batch(ctx, node, Batch(NODE, 1, run[0].seq, run[-1].seq, run)))
    engine.dispose()
    return receipts


def _conflict_kinds(url: str) -> set[str]:
    engine = make_engine(url)
    with new_session(engine) as session:
        kinds = set(session.exec(select(Conflict.kind)))
    engine.dispose()
    return kinds


_VARYING = {"sync_node": {"enrol_code_hash"}}  # a random one-time code, hashed


def _tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in _VARYING.get(table.name, set())]
            order = [c for c in table.primary_key.columns]
            found[table.name] = [tuple(row) for row in connection.execute(sa.select(*columns).order_by(*order))]
    engine.dispose()
    return found


@pytest.fixture
def second_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where the reference run goes: another SQLite file, or the same PostgreSQL database emptied."""
    if database_url.startswith("sqlite"):
        shutil.copy(request.getfixturevalue("migrated_template"), tmp_path / "reference.db")
        yield f"sqlite:///{tmp_path / 'reference.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    yield database_url
    server.disconnect(database_url)


@pytest.mark.parametrize(
    ("seed", "batch_size", "window", "in_list"),
    [(3, 60, agreed.RELOAD_WINDOW, 2000), (17, 60, agreed.RELOAD_WINDOW, 2000), (5, 240, 7, 5)],
    ids=["seed3", "seed17", "one-batch-small-read-windows-and-in-lists"],
)
def test_b3_the_set_based_lane_leaves_every_table_as_the_services_would(
    database_url: str,
    second_url: str,
    seed: int,
    batch_size: int,
    window: int,
    in_list: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agreed, "RELOAD_WINDOW", window)
    monkeypatch.setattr(bulk, "IN_LIST", in_list)
    day = _day(seed, 240)
    taken: Counter[bool] = Counter()
    take = agreed.AgreedLane.take

    def counting(self: agreed.AgreedLane, *args: Any) -> bool:
        taken[took := take(self, *args)] += 1
        return took

    monkeypatch.setattr(agreed.AgreedLane, "take", counting)
    _build(database_url)
    with_lane = _apply(database_url, day, batch_size)
    lane_tables = _tables(database_url)
    assert taken[True] > 90 and taken[False] > 20, taken

    monkeypatch.setattr(agreed.AgreedLane, "take", lambda *_: False)
    if second_url == database_url:
        _empty(database_url)
    _build(second_url)
    reference = _apply(second_url, day, batch_size)
    reference_tables = _tables(second_url)

    assert with_lane == reference
    for name, rows in reference_tables.items():
        assert lane_tables[name] == rows, name
    # The day did disagree with central in the ways it was built to.
    assert {"unknown_barcode", "stale_loan_closed", "return_without_loan", "clock_skew"} <= _conflict_kinds(second_url)


def test_b3_a_batch_whose_operations_all_agree_is_applied_by_the_lane_alone(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain evening (lends to patrons in good standing, their returns) never reaches the services."""
    _build(database_url)
    day = [
        ops.Operation(
            str(uuid.UUID(int=n + 1, version=4)),
            NODE,
            1,
            n + 1,
            DAY + timedelta(minutes=n),
            f"{n:015d}-000000",
            "BM1-S01",
            ops.Lend(_card(40 - 1 - n), _barcode(30 + n), date(2026, 6, 24))
            if n < 3
            else ops.Return(_barcode(30 + n - 3)),
        )
        for n in range(6)
    ]

    def refuse(*_: Any) -> Any:
        raise AssertionError("the services were asked")

    monkeypatch.setattr("central.sync.ingest.apply_payload", refuse)
    (receipt,) = _apply(database_url, day)
    assert [r.outcome for r in receipt.operations] == ["applied"] * 6
    engine = make_engine(database_url)
    with new_session(engine) as session:
        copies = session.exec(select(Item).where(col(Item.barcode).in_([_barcode(30 + n) for n in range(3)]))).all()
        closed = session.exec(select(Loan).where(col(Loan.returned_at).is_not(None), Loan.location_id != 1)).all()
    engine.dispose()
    assert [c.status for c in copies] == [ItemStatus.AVAILABLE] * 3
    assert len(closed) == 3


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
def test_r9_spec4_a_hold_placed_while_a_batch_is_taken_in_waits_for_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL runs a patron's hold beside the van's batch. The lane read "no hold on the title"
    and renews on that; a hold placed in between must not slip under that renewal unseen: it
    waits for the batch's lock on the title and is queued after it."""
    _build(database_url)
    renewal = ops.Operation(
        str(uuid.UUID(int=7, version=4)), NODE, 1, 1, DAY, "1-000000", "BM1-S01",
        ops.Renew(_card(22), _barcode(2), date(2026, 6, 10), date(2026, 6, 24)),
    )  # fmt: skip
    lane_read = threading.Event()
    hold_placed = threading.Event()
    write = AgreedRun.write

    def slow_write(self: AgreedRun) -> None:
        lane_read.set()
        hold_placed.wait(timeout=2)  # the hold cannot finish while the batch holds the title
        write(self)

    monkeypatch.setattr(AgreedRun, "write", slow_write)
    order: list[str] = []

    def place() -> None:
        lane_read.wait(timeout=30)
        engine = make_engine(database_url)
        with new_session(engine) as session:
            patron = session.exec(select(Patron).where(Patron.card_number == _card(33))).one()
            item = session.exec(select(Item).where(Item.barcode == _barcode(2))).one()
            ctx = ServiceContext(session, CirculationPolicy(), "patron:33", 1, EVENING)
            holds.place_hold(ctx, patron, item.bib_id, 1, "email")
            order.append("hold")
        hold_placed.set()
        engine.dispose()

    patron_thread = threading.Thread(target=place)
    patron_thread.start()
    (receipt,) = _apply(database_url, [renewal])
    order.append("batch")
    patron_thread.join(timeout=30)
    assert receipt.operations[0].outcome == "applied"
    assert order == ["batch", "hold"]
