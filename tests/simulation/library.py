"""The simulated library as central first holds it: the main library, three vans with two stops
each, a small catalogue whose titles have copies on several vans and at the main library, the
first card holders, and the three vans' nodes registered (each with its block of card numbers).

People are kept apart from cards: one person may end up with two cards (SPEC 6), registered at
the desk and on a van, so the driver draws registrations from this pool of people.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, insert
from sqlmodel import col, select

from central.db import new_session
from central.models import Bib, Location, LocationKind
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.services.patrons import Registration, register_patron
from central.sync.devices import allocate_card_block, register_node
from sync_protocol.policy import CirculationPolicy

VANS = ("BM1", "BM2", "BM3")
TITLES = 30
COPIES_PER_VAN = 20
MAIN_COPIES = 24
FIRST_PATRONS = 40
FIRST_CARD = 10000001
FIRST_DESK_CARD = 50000001
SURNAMES = (("比嘉", "ひが"), ("金城", "きんじょう"), ("大城", "おおしろ"), ("宮城", "みやぎ"), ("新垣", "あらかき"))
GIVEN_NAMES = (("花子", "はなこ"), ("太郎", "たろう"), ("さくら", "さくら"), ("健", "けん"), ("美咲", "みさき"))


def node_of(van: str) -> str:
    """The node id of a van's laptop."""
    return f"{van}-A"


def stops_of(van: str) -> tuple[str, str]:
    return (f"{van}-S01", f"{van}-S02")


@dataclass(frozen=True)
class Person:
    """Someone who may ask for a card, once or (SPEC 6) twice."""

    key: int
    name: str
    reading: str
    birth_date: date
    email: str | None


def make_people(rng: random.Random, count: int) -> list[Person]:
    """Adults mostly, some children (R1 refuses them the internet service), most with an address."""
    people = []
    for key in range(count):
        surname, surname_reading = SURNAMES[key % len(SURNAMES)]
        given, given_reading = GIVEN_NAMES[(key // len(SURNAMES)) % len(GIVEN_NAMES)]
        child = rng.random() < 0.15
        born = date(
            rng.randint(2010, 2018) if child else rng.randint(1945, 2005), rng.randint(1, 12), rng.randint(1, 28)
        )
        email = f"person{key}@example.jp" if rng.random() < 0.6 else None
        people.append(Person(key, f"{surname} {given}{key}", f"{surname_reading} {given_reading}", born, email))
    return people


@dataclass
class Library:
    """Ids of what the driver refers to, and the vans' first enrolment codes."""

    main_id: int
    van_ids: dict[str, int]
    stop_ids: dict[str, int]
    bib_ids: list[int]
    codes: dict[str, str] = field(default_factory=dict)

    def location_ids(self) -> list[int]:
        """Every pickup place: the main library and each van stop."""
        return [self.main_id, *self.stop_ids.values()]


def _locations(ctx: ServiceContext) -> Library:
    main = add_location(ctx, "MAIN", LocationKind.MAIN, "本館")
    assert main.id is not None
    library = Library(main.id, {}, {}, [])
    for number, van_code in enumerate(VANS, start=1):
        van = add_location(ctx, van_code, LocationKind.BOOKMOBILE, f"移動図書館{number}号")
        assert van.id is not None
        library.van_ids[van_code] = van.id
        for stop in stops_of(van_code):
            library.stop_ids[stop] = add_location(ctx, stop, LocationKind.STOP, f"{stop} 公民館", parent=van).id  # type: ignore[assignment]
    return library


def _collection(ctx: ServiceContext, library: Library) -> None:
    with transaction(ctx.session):
        ctx.session.execute(
            insert(Bib), [{"title": f"資料{n}", "title_reading": f"しりょう{n}"} for n in range(TITLES)]
        )
        library.bib_ids = list(ctx.session.exec(select(Bib.id).order_by(col(Bib.id))))  # type: ignore[arg-type]
    copies = [
        NewCopy(f"3{v}{n:08d}", library.bib_ids[(2 * n + v) % TITLES], library.van_ids[van])
        for v, van in enumerate(VANS, start=1)
        for n in range(1, COPIES_PER_VAN + 1)
    ]
    copies += [NewCopy(f"39{n:08d}", library.bib_ids[n % TITLES], library.main_id) for n in range(1, MAIN_COPIES + 1)]
    add_copies(ctx, copies)


def seed_library(engine: Engine, now: datetime, people: list[Person]) -> Library:
    """Central's first state; the first `FIRST_PATRONS` people hold cards from the start."""
    with new_session(engine) as session:
        policy = CirculationPolicy()
        library = _locations(ServiceContext(session, policy, "system:setup", None, now))
        ctx = ServiceContext(session, policy, "staff:setup", library.main_id, now)
        _collection(ctx, library)
        for n, person in enumerate(people[:FIRST_PATRONS]):
            form = Registration(
                str(FIRST_CARD + n), person.name, person.reading, person.birth_date, "宜野湾市", "", person.email
            )
            register_patron(ctx, form)
        for van in VANS:
            location = session.get(Location, library.van_ids[van])
            assert location is not None
            issued = register_node(ctx, node_of(van), location)
            allocate_card_block(ctx, issued.node)
            library.codes[node_of(van)] = issued.code
        return library
