"""Central served by Uvicorn on loopback, a small library in it, and a real van node that syncs with it."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import requests
import uvicorn
from requests.adapters import HTTPAdapter
from sqlalchemy import Engine, insert
from sqlmodel import func, select

from bookmobile.desk.setup import set_stop
from bookmobile.node import Node, init_node
from bookmobile.settings import Settings as NodeSettings
from bookmobile.sync.session import enrol, sync_once
from central.db import make_engine, migrate, new_session
from central.models import Bib, LocationKind, SyncOperation
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.services.patrons import Registration, register_patron
from central.settings import Settings
from central.sync.devices import allocate_card_block, register_node
from central.web.app import create_app
from sync_protocol.policy import CirculationPolicy

NODE = "BM1-A"
CARDS = [f"{10000001 + n}" for n in range(6)]
VAN_COPIES = [f"300000{n:04d}" for n in range(1, 21)]
MAIN_COPIES = [f"310000{n:04d}" for n in range(1, 6)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Central on a free loopback port in a background thread, until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def seed(engine: Engine) -> str:
    """Locations, 25 copies (20 on the van), six patrons and node BM1-A; returns its enrolment code."""
    with new_session(engine) as session:
        setup = ServiceContext(session, CirculationPolicy(), "system:test", None)
        main = add_location(setup, "MAIN", LocationKind.MAIN, "本館")
        van = add_location(setup, "BM1", LocationKind.BOOKMOBILE, "移動図書館")
        for code, name in (("BM1-S01", "大山公民館"), ("BM1-S02", "嘉数小学校")):
            add_location(setup, code, LocationKind.STOP, name, parent=van)
        ctx = ServiceContext(session, CirculationPolicy(), "system:test", main.id)
        with transaction(session):
            session.execute(insert(Bib), [{"title": f"試験資料{n}", "title_reading": f"しけん{n}"} for n in range(5)])
            bib_ids = list(session.exec(select(Bib.id)))
        add_copies(ctx, [NewCopy(b, bib_ids[n % 5], van.id) for n, b in enumerate(VAN_COPIES)])  # type: ignore[arg-type]
        add_copies(ctx, [NewCopy(b, bib_ids[n % 5], main.id) for n, b in enumerate(MAIN_COPIES)])  # type: ignore[arg-type]
        for n, card in enumerate(CARDS):
            register_patron(ctx, Registration(card, f"利用者{n}", f"りようしゃ{n}", date(1980, 1, 1 + n)))
        issued = register_node(ctx, NODE, van)
        allocate_card_block(ctx, issued.node)
        return issued.code


def central_settings(folder: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{folder / 'central.db'}", data_dir=folder)


def prepared_central(folder: Path) -> tuple[Settings, Engine, str]:
    settings = central_settings(folder)
    engine = make_engine(settings.database_url)
    migrate(engine)
    return settings, engine, seed(engine)


@dataclass
class VanClock:
    """The van laptop's clock: real time plus a fixed error (SPEC 8)."""

    error_s: float = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.error_s, UTC)


def node_settings(folder: Path, **overrides: object) -> NodeSettings:
    return NodeSettings(data_dir=folder, sync_backoff_s=0.01, sync_attempts=4, sync_timeout_s=10, **overrides)


def enrolled_van(folder: Path, url: str, code: str, clock: VanClock | None = None, **overrides: object) -> Node:
    """A van node, enrolled and bootstrapped by its first sync, at stop BM1-S01."""
    settings = node_settings(folder, **overrides)
    node = init_node(settings, NODE, clock or VanClock())
    enrol(node, settings, url, code)
    sync_once(node, settings)
    set_stop(node, "BM1-S01")
    return node


def central_operations(engine: Engine) -> list[SyncOperation]:
    with new_session(engine) as session, transaction(session):
        return list(session.exec(select(SyncOperation).order_by(SyncOperation.seq)))  # type: ignore[arg-type]


def count(engine: Engine, query: object) -> int:
    with new_session(engine) as session, transaction(session):
        return int(session.exec(select(func.count()).select_from(query)).one())  # type: ignore[call-overload]


class FaultyAdapter(HTTPAdapter):
    """Injects faults into requests whose path ends with `path`: `fault(adapter, request, send)`."""

    def __init__(self, path: str, fault: Callable[..., requests.Response], times: int = 1) -> None:
        super().__init__(max_retries=0)
        self.path = path
        self.fault = fault
        self.times = times

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        def forward(prepared: requests.PreparedRequest = request) -> requests.Response:
            return super(FaultyAdapter, self).send(prepared, *args, **kwargs)  # type: ignore[arg-type]

        if self.times > 0 and (request.path_url or "").split("?")[0].endswith(self.path):
            self.times -= 1
            return self.fault(request, forward)
        return forward()


def faulty_session(path: str, fault: Callable[..., requests.Response], times: int = 1) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FaultyAdapter(path, fault, times))
    return session
