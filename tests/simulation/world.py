"""The simulated world: central (database, app in process and on loopback), three vans, the mail
room, the simulated clock, and what the simulation remembers. `open_world` builds it and takes it
down again; everything else receives the `World`.
"""

import atexit
import logging
import random
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import Engine
from sqlmodel import Session

with warnings.catch_warnings():  # starlette asks for httpx2, which the project does not use
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bookmobile.desk.setup import set_stop
from central.db import make_engine, migrate
from central.services.context import ServiceContext
from central.settings import Settings
from central.web.app import create_app
from tests.simulation.library import (
    FIRST_DESK_CARD,
    FIRST_PATRONS,
    VANS,
    Library,
    Person,
    make_people,
    node_of,
    seed_library,
    stops_of,
)
from tests.simulation.mailroom import Mailroom
from tests.simulation.model import Credentials, OpLedger, Stats
from tests.simulation.seams import SimClock, VanClock, cheap_password_hashing, simulated_time
from tests.simulation.transport import FaultLayer, InProcessAdapter, LoopbackAdapter, session_over
from tests.simulation.vans import Van, start_node
from tests.sync.harness import serve

# 09:00 in Tokyo on Monday 1 June 2026.
START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
PEOPLE = 600


@cache
def _migrated_template() -> Path:
    """One migrated central database per process, copied for each simulation (migrating is slow)."""
    folder = Path(tempfile.mkdtemp(prefix="sim-template-"))
    atexit.register(shutil.rmtree, folder, True)
    engine = make_engine(f"sqlite:///{folder / 'central.db'}")
    migrate(engine)
    engine.dispose()
    return folder / "central.db"


@dataclass
class World:
    """Everything one simulation acts on and remembers."""

    rng: random.Random
    clock: SimClock
    root: Path
    settings: Settings
    engine: Engine
    library: Library
    people: list[Person]
    client: TestClient
    loopback_url: str
    mailroom: Mailroom
    loopback_share: float
    # Raises the share of faulty syncs and of the rarer faults (the short mode meets every fault).
    fault_boost: float = 1.0
    vans: dict[str, Van] = field(default_factory=dict)
    ledger: OpLedger = field(default_factory=OpLedger)
    credentials: Credentials = field(default_factory=Credentials)
    stats: Stats = field(default_factory=Stats)
    # Card numbers each person holds (a person may hold two: SPEC 6).
    cards_of: dict[int, list[str]] = field(default_factory=dict)
    next_desk_card: int = FIRST_DESK_CARD
    next_person: int = FIRST_PATRONS
    step: int = 0
    violations: list[str] = field(default_factory=list)
    # Where the incremental checks stopped: the last central operation row, and per van database
    # (code, generation) the last sequence number checked as acknowledged.
    checked_operation: int = 0
    checked_acks: dict[tuple[str, int], int] = field(default_factory=dict)
    # (patron, event, object) of every notice delivered so far.
    delivered_keys: set[tuple[Any, ...]] = field(default_factory=set)

    def check(self, name: str, ok: bool, message: str = "") -> None:
        """Count a passed invariant check, or record the violation with the step it happened at."""
        if ok:
            self.stats.checks[name] += 1
        else:
            self.violations.append(f"step {self.step}: {name}: {message}")

    def check_each(self, name: str, failures: list[str]) -> None:
        """One check of an invariant over many rows: passed when `failures` is empty."""
        if not failures:
            self.stats.checks[name] += 1
        for failure in failures[:10]:
            self.violations.append(f"step {self.step}: {name}: {failure}")

    def ctx(self, session: Session, actor: str = "staff:desk", location_id: int | None = None) -> ServiceContext:
        """A service context at the simulated now; the main library's desk unless told otherwise."""
        where = self.library.main_id if location_id is None else location_id
        return ServiceContext(session, self.settings.policy(), actor, where, self.clock.now())

    def adapter(self) -> HTTPAdapter:
        """In process for most syncs, real HTTP on loopback for `loopback_share` of them."""
        if self.rng.random() < self.loopback_share:
            self.stats.notes["syncs over loopback HTTP"] += 1
            return LoopbackAdapter(self.loopback_url)
        return InProcessAdapter(self.client)

    def http(self, fault: FaultLayer | None = None) -> requests.Session:
        return session_over(fault if fault is not None else self.adapter())


def _central_settings(root: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{root / 'central.db'}",
        data_dir=root / "var",
        mail_from="no-reply@library.example.jp",
        smtp_security="none",
        secret_key="simulation-secret-key-not-for-production",
        conflict_review_days=2,  # short, so that a run of a few simulated days settles some (B5)
        change_log_days=1,  # short, so that vans pull after the log forgot what they had not seen (B6)
    )


@contextmanager
def open_world(seed: int, root: Path, loopback_share: float = 0.15) -> Iterator[World]:
    """Central seeded and served, three vans enrolled and bootstrapped, the mail room open."""
    rng = random.Random(seed)
    clock = SimClock(START)
    root.mkdir(parents=True, exist_ok=True)
    settings = _central_settings(root)
    shutil.copy(_migrated_template(), root / "central.db")
    engine = make_engine(settings.database_url)
    people = make_people(rng, PEOPLE)
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.enter_context(_quiet_nightly_log())
        stack.enter_context(cheap_password_hashing())
        stack.enter_context(simulated_time(clock))
        library = seed_library(engine, clock.now(), people)
        client = stack.enter_context(TestClient(create_app(settings, clock=clock.now)))
        url = stack.enter_context(serve(settings))
        mailroom = Mailroom(root / "mail-eml")
        mailroom.start()
        stack.callback(mailroom.stop)
        world = World(rng, clock, root, settings, engine, library, people, client, url, mailroom, loopback_share)
        for n in range(FIRST_PATRONS):
            world.cards_of[people[n].key] = [str(10000001 + n)]
        for van in VANS:
            world.vans[van] = _first_van(world, van)
            stack.callback(lambda v=world.vans[van]: v.node.close())
        yield world


@contextmanager
def _quiet_nightly_log() -> Iterator[None]:
    """The job logs a warning for each night with SMTP down; the simulation reports those itself."""
    logger = logging.getLogger("central.nightly")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _first_van(world: World, van: str) -> Van:
    clock = VanClock(world.clock)
    folder = world.root / "vans" / van
    node = start_node(folder / "db1", node_of(van), clock, world.library.codes[node_of(van)], world.http())
    stop = stops_of(van)[0]
    set_stop(node, stop)
    return Van(van, node_of(van), folder, clock, node, stop)
