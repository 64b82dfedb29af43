"""The demo library: the real Aozora Bunko catalogue, copies, a bookmobile with stops, patrons,
loans and holds - generated deterministically from a seed, through the same services staff use."""

import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

from faker import Faker
from sqlalchemy import func
from sqlmodel import Session, col, select

from central.catalog.importer import import_catalog
from central.errors import CentralError
from central.models import Bib, Item, ItemStatus, Location, LocationKind, Patron, RuleKind
from central.services.accounts import apply_internet_service, change_password
from central.services.circulation import lend
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.services.holds import place_hold
from central.services.patrons import Registration, register_patron
from central.services.routes import attach_stop, create_route, stop_by_code
from central.services.timetable_rules import Rule
from central.settings import Settings
from sync_protocol.timezone import utc_now

CATALOGUE = Path(__file__).parent / "data" / "aozora" / "works.csv.gz"
# The walkthrough's patron: card number and password printed in the README.
DEMO_CARD = "10000001"
DEMO_PASSWORD = "chura-2026"
STOPS = [
    ("BM1-S01", "大山公民館", "おおやまこうみんかん", "宜野湾市大山"),
    ("BM1-S02", "嘉数小学校", "かかずしょうがっこう", "宜野湾市嘉数"),
    ("BM1-S03", "普天間公民館", "ふてんまこうみんかん", "宜野湾市普天間"),
    ("BM1-S04", "真志喜ふれあい広場", "ましきふれあいひろば", "宜野湾市真志喜"),
]
# The van's two routes, each every other week: (code, name, weekday, [(stop, arrives, departs)]).
ROUTES = [
    ("BM1-A", "火曜コース", 1, [("BM1-S01", time(10, 0), time(10, 40)), ("BM1-S02", time(13, 30), time(14, 10))]),
    ("BM1-B", "木曜コース", 3, [("BM1-S03", time(10, 0), time(10, 40)), ("BM1-S04", time(13, 30), time(14, 10))]),
]


@dataclass(frozen=True)
class DemoReport:
    titles: int
    copies: int
    patrons: int
    loans: int
    holds: int


def is_empty(session: Session) -> bool:
    """True before the demo (or any real data) was loaded."""
    with session.begin():
        return session.exec(select(func.count()).select_from(Location)).one() == 0


def load_demo(session: Session, settings: Settings, *, seed: int = 2026, patrons: int = 300) -> DemoReport:
    """Fill an empty database with the demo library, all or nothing."""
    rng = random.Random(seed)
    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    now = utc_now()
    with transaction(session):
        main, van = _locations(session, settings)
        import_catalog(session, CATALOGUE)
        ctx = ServiceContext(session, settings.policy(), "system:demo", main.id, now)  # type: ignore[arg-type]
        copies = _copies(ctx, rng, main, van)
        people = _patrons(ctx, fake, patrons)
        loans = _loans(ctx, rng, people)
        holds = _holds(ctx, rng, people, main)
        _timetable(ctx, van)
        titles = session.exec(select(func.count()).select_from(Bib)).one()
    return DemoReport(titles, copies, len(people), loans, holds)


def _locations(session: Session, settings: Settings) -> tuple[Location, Location]:
    bootstrap = ServiceContext(session, settings.policy(), "system:demo", None, utc_now())
    main = add_location(bootstrap, settings.main_location_code, LocationKind.MAIN, "本館", name_reading="ほんかん")
    van = add_location(
        bootstrap, "BM1", LocationKind.BOOKMOBILE, "移動図書館ちゅらゆめ号", name_reading="ちゅらゆめごう"
    )
    for code, name, reading, address in STOPS:
        add_location(bootstrap, code, LocationKind.STOP, name, name_reading=reading, address=address, parent=van)
    return main, van


def _copies(ctx: ServiceContext, rng: random.Random, main: Location, van: Location) -> int:
    """One copy of every title at the main library, 2-4 of popular ones, 2,000 titles on the van."""
    bib_ids = list(ctx.session.exec(select(Bib.id).order_by(col(Bib.id))))
    barcodes = (f"3{n:09d}" for n in range(1, 10**9))
    copies = []
    for bib_id in bib_ids:
        count = rng.choice((2, 3, 4)) if rng.random() < 0.1 else 1
        copies += [NewCopy(next(barcodes), bib_id, main.id) for _ in range(count)]  # type: ignore[arg-type]
    # The van's copies have their own range (3500000001 ...), easy to find in the walkthrough.
    copies += [
        NewCopy(f"35{n:08d}", bib_id, van.id)  # type: ignore[arg-type]
        for n, bib_id in enumerate(rng.sample(bib_ids, 2000), start=1)
    ]
    return add_copies(ctx, copies)


def _patrons(ctx: ServiceContext, fake: Faker, count: int) -> list[Patron]:
    people = []
    for n in range(count):
        # The first is the walkthrough's patron: an adult (R1) with an address for notices (R10).
        walkthrough = n == 0
        form = Registration(
            card_number=f"{10000001 + n}",
            name=fake.name(),
            name_reading=fake.kana_name(),
            birth_date=date(1985, 7, 7) if walkthrough else fake.date_of_birth(minimum_age=6, maximum_age=85),
            address=fake.address(),
            phone=fake.phone_number(),
            email="hanako@example.jp" if walkthrough else (fake.email() if n % 3 else None),
        )
        people.append(register_patron(ctx, form))
    walkthrough = people[0]
    issued = apply_internet_service(ctx, walkthrough, "driving_licence")
    assert issued.temporary_password is not None
    change_password(ctx, walkthrough, issued.temporary_password, DEMO_PASSWORD)
    return people


def _loans(ctx: ServiceContext, rng: random.Random, people: list[Patron]) -> int:
    """About 150 loans made over the last three weeks (so some are overdue)."""
    items = list(ctx.session.exec(select(Item).where(Item.status == ItemStatus.AVAILABLE).limit(5000)))
    made = 0
    for item in rng.sample(items, 150):
        when = ServiceContext(
            ctx.session, ctx.policy, ctx.actor, ctx.location_id, ctx.now - timedelta(days=rng.randint(0, 20))
        )
        try:
            lend(when, rng.choice(people), item.barcode)
            made += 1
        except CentralError:
            continue  # a random pick may hit a limit; the demo just skips it
    return made


def _holds(ctx: ServiceContext, rng: random.Random, people: list[Patron], main: Location) -> int:
    """About 40 holds on titles that are out on loan."""
    on_loan = list(ctx.session.exec(select(Item.bib_id).where(Item.status == ItemStatus.ON_LOAN).distinct()))
    made = 0
    for bib_id in rng.sample(on_loan, min(40, len(on_loan))):
        patron = rng.choice(people)
        method = "email" if patron.email else "phone"
        try:
            place_hold(ctx, patron, bib_id, main.id, method)  # type: ignore[arg-type]
            made += 1
        except CentralError:
            continue
    return made


def _timetable(ctx: ServiceContext, van: Location) -> None:
    """Two routes of the van, every other Tuesday and Thursday from this week on (docs/routes.md)."""
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    for code, name, weekday, stops in ROUTES:
        route = create_route(ctx, code, name, van, Rule(RuleKind.EVERY_N_WEEKS, weekday, monday, interval_weeks=2))
        for stop, arrives, departs in stops:
            attach_stop(ctx, route, stop_by_code(ctx.session, stop), arrives, departs)
