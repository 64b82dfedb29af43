"""A realistic day on a bookmobile, for the sync benchmarks: a central database and the van's operations.

The library: 10,000 patrons, 2,000 titles, 20,000 copies on the van. The day: lends, returns,
renewals, new registrations (some with an internet-service application) and e-mail changes, in
the proportions of a busy van, each valid against the state the previous ones left - the same
work central does when a real van syncs in the evening.
"""

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlmodel import select

from bench.databases import scratch_database
from central.db import make_engine, migrate, new_session
from central.models import Bib, Item, ItemStatus, LocationKind, Patron, SyncNode
from central.services.collection import add_location
from central.services.context import ServiceContext, transaction
from central.sync.devices import allocate_card_block, enrol, register_node
from sync_protocol import operations as ops
from sync_protocol.due_dates import due_date_for_loan, due_date_for_renewal
from sync_protocol.passwords import hash_password
from sync_protocol.policy import CirculationPolicy
from sync_protocol.signing import new_private_key, public_key_of

PATRONS = 10_000
TITLES = 2_000
COPIES = 20_000
NODE = "BM1-BENCH"
DAY = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
WEIGHTS = {"lend": 40, "return": 33, "renew": 15, "register": 5, "apply": 2, "email": 5}


@dataclass(frozen=True)
class Library:
    engine: Engine
    node: SyncNode
    key: bytes


def build_library(database_url: str, patrons: int = PATRONS, copies: int = COPIES) -> Library:
    """A fresh central database with `patrons` patrons, `copies` copies on the van, and an enrolled node."""
    engine = make_engine(database_url)
    migrate(engine)
    key = new_private_key()
    with new_session(engine) as session:
        setup = ServiceContext(session, CirculationPolicy(), "system:bench", None, DAY - timedelta(days=1))
        main = add_location(setup, "MAIN", LocationKind.MAIN, "本館")
        van = add_location(setup, "BM1", LocationKind.BOOKMOBILE, "移動図書館")
        add_location(setup, "BM1-S01", LocationKind.STOP, "大山公民館", parent=van)
        with transaction(session):
            session.execute(
                insert(Bib), [{"title": f"資料{n}", "title_reading": f"しりょう{n}"} for n in range(TITLES)]
            )
            bib_ids = list(session.exec(select(Bib.id)))
            rows = [
                {
                    "barcode": f"3{n:09d}",
                    "bib_id": bib_ids[n % TITLES],
                    "home_location_id": van.id,
                    "current_location_id": van.id,
                    "status": ItemStatus.AVAILABLE,
                    "created_at": DAY,
                }
                for n in range(copies)
            ]
            session.execute(insert(Item), rows)
            people = [
                {
                    "card_number": f"{10_000_001 + n}",
                    "name": f"利用者{n}",
                    "name_reading": f"りようしゃ{n}",
                    "birth_date": date(1950 + n % 60, 1 + n % 12, 1 + n % 28),
                    "status": "active",
                    "registered_at": DAY,
                    "registered_location_id": main.id,
                }
                for n in range(patrons)
            ]
            session.execute(insert(Patron), people)
        issued = register_node(setup, NODE, van)
        allocate_card_block(setup, issued.node, size=100_000)
        node = enrol(setup, NODE, issued.code, public_key_of(key))
    return Library(engine, node, key)


@contextmanager
def library_in(folder: Path, name: str) -> Iterator[Library]:
    """`build_library` in scratch database `name` under `folder`; its engine is disposed afterwards."""
    with scratch_database(folder, name) as url:
        library = build_library(url)
        try:
            yield library
        finally:
            library.engine.dispose()


def operations(count: int, seed: int = 11) -> list[ops.Operation]:
    """`count` valid operations of one van's day, in order, stamped as the node would."""
    rng = random.Random(seed)
    policy = CirculationPolicy()
    shelf = [f"3{n:09d}" for n in range(COPIES)]
    rng.shuffle(shelf)
    lent: dict[str, tuple[str, date, bool]] = {}
    registered: list[str] = []  # cards registered today without an internet-service application yet
    cards_issued = 0
    password_hash = hash_password("benchpass")
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    result: list[ops.Operation] = []
    for seq in range(1, count + 1):
        at = DAY + timedelta(seconds=seq * 28_800 / count)
        today = (at + timedelta(hours=9)).date()
        kind = rng.choices(kinds, weights)[0]
        payload: ops.Payload
        if kind == "return" and lent:
            barcode = rng.choice(list(lent))
            del lent[barcode]
            shelf.append(barcode)
            payload = ops.Return(barcode)
        elif kind == "renew" and any(not renewed for _, _, renewed in lent.values()):
            barcode = next(b for b, (_, _, renewed) in lent.items() if not renewed)
            card, due, _ = lent[barcode]
            new_due = due_date_for_renewal(today, policy)
            lent[barcode] = (card, new_due, True)
            payload = ops.Renew(card, barcode, due, new_due)
        elif kind == "register":
            card = f"{80_000_000 + cards_issued}"
            cards_issued += 1
            registered.append(card)
            payload = ops.RegisterPatron(card, f"新規{seq}", f"しんき{seq}", date(1990, 4, 2), "宜野湾市", "098", None)
        elif kind == "apply" and registered:
            payload = ops.ApplyInternetService(registered.pop(0), ops.IdDocumentKind.DRIVING_LICENCE, password_hash)
        elif kind == "email":
            payload = ops.ChangeEmail(f"{10_000_001 + rng.randrange(PATRONS)}", f"p{seq}@example.jp")
        else:
            barcode = shelf.pop()
            card = f"{10_000_001 + rng.randrange(PATRONS)}"
            due = due_date_for_loan(today, policy)
            lent[barcode] = (card, due, False)
            payload = ops.Lend(card, barcode, due)
        result.append(
            ops.Operation(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                NODE,
                1,
                seq,
                at,
                f"{int(at.timestamp() * 1000):015d}-000000",
                "BM1-S01",
                payload,
            )
        )
    return result
