"""Fixtures for central's tests: a real database per test, migrated by Alembic, on SQLite and PostgreSQL.

`engine` runs each test twice: on a SQLite file copied from a migrated template, and on PostgreSQL
(when a server answers, see tests/conftest.py) in this process's migrated database, emptied first.
A test about SQLite's own machinery carries `@pytest.mark.sqlite_only` and runs once.
"""

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from central.db import make_engine, migrate, new_session
from central.models import Bib, Item, Location, LocationKind, Patron, metadata
from central.services.context import ServiceContext, transaction
from central.services.patrons import Registration, register_patron
from sync_protocol.policy import CirculationPolicy
from tests.conftest import PostgresServer

# A Wednesday in school year 2026: no default closed day (Monday) interferes with due-date arithmetic.
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "central.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> str:
    """This process's migrated PostgreSQL database (emptied before each test rather than recreated:
    deleting a few rows takes milliseconds, creating or dropping a database about a second)."""
    url = postgres_server.create_database("central")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def _empty(url: str) -> None:
    """Delete every row but Alembic's (children before parents) and restart every id sequence."""
    engine = make_engine(url)
    with engine.begin() as connection:
        present = set(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        known = [t.name for t in reversed(metadata.sorted_tables) if t.name in present]
        for table in sorted(present - set(known) - {"alembic_version"}) + known:
            connection.execute(text(f'DELETE FROM "{table}"'))
        for sequence in connection.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")):
            connection.execute(text(f'ALTER SEQUENCE "{sequence[0]}" RESTART'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the kind the parameter names, for this test alone."""
    if request.param == "sqlite":
        path = tmp_path / "central.db"
        shutil.copy(request.getfixturevalue("migrated_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("migrated_postgres")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    server.disconnect(url)
    _empty(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with new_session(engine) as session:
        yield session


@pytest.fixture
def policy() -> CirculationPolicy:
    return CirculationPolicy()


@pytest.fixture
def locations(session: Session) -> dict[str, Location]:
    """The main library, one bookmobile and one of its stops."""
    with transaction(session):
        main = Location(code="MAIN", kind=LocationKind.MAIN, name="本館")
        van = Location(code="BM1", kind=LocationKind.BOOKMOBILE, name="移動図書館ちゅらゆめ号")
        session.add_all([main, van])
        session.flush()
        stop = Location(code="BM1-S01", kind=LocationKind.STOP, name="大山公民館", parent_id=van.id)
        session.add(stop)
    return {"main": main, "van": van, "stop": stop}


@pytest.fixture
def ctx(session: Session, policy: CirculationPolicy, locations: dict[str, Location]) -> Callable[..., ServiceContext]:
    """Build a service context; defaults: desk staff at the main library at NOW."""

    # Ids read now: after a refused use case rolls back, the session expires loaded objects.
    ids = {name: location.id for name, location in locations.items()}

    def build(now: datetime = NOW, location: str = "main", actor: str = "staff:1") -> ServiceContext:
        location_id = ids[location]
        assert location_id is not None
        return ServiceContext(session=session, policy=policy, actor=actor, location_id=location_id, now=now)

    return build


@pytest.fixture
def make_patron(ctx: Callable[..., ServiceContext]) -> Callable[..., Patron]:
    counter = iter(range(100001, 999999))

    def build(birth_date: date = date(1990, 5, 5), email: str | None = "taro@example.jp", **kw: object) -> Patron:
        form = Registration(
            card_number=str(kw.pop("card_number", next(counter))),
            name=str(kw.pop("name", "山田太郎")),
            name_reading="やまだたろう",
            birth_date=birth_date,
            email=email,
        )
        return register_patron(ctx(), form)

    return build


@pytest.fixture
def make_title(session: Session, locations: dict[str, Location]) -> Callable[..., tuple[Bib, list[Item]]]:
    """A title with `copies` copies on the shelf at the main library (barcodes T<bib>-<n>)."""

    def build(title: str = "吾輩は猫である", copies: int = 1) -> tuple[Bib, list[Item]]:
        with transaction(session):
            bib = Bib(title=title, title_reading="わがはいはねこである")
            session.add(bib)
            session.flush()
            main_id = locations["main"].id
            assert main_id is not None
            items = [
                Item(
                    barcode=f"T{bib.id:05d}{n:02d}",
                    bib_id=bib.id,  # type: ignore[arg-type]
                    home_location_id=main_id,
                    current_location_id=main_id,
                    created_at=NOW,
                )
                for n in range(1, copies + 1)
            ]
            session.add_all(items)
        return bib, items

    return build
