"""A library network under load: the library seeded in PostgreSQL, central run as `central serve
--workers N` in a subprocess, real van nodes syncing with it, and patrons using the JSON API.

Shared by the concurrency tests; everything here talks to central the way production does (HTTP
over loopback, signed sync requests, bearer tokens), except the seeding, done through the services.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, insert
from sqlmodel import col, select

from bookmobile.desk.lending import lend as van_lend
from bookmobile.desk.returns import take_back
from bookmobile.desk.setup import set_stop
from bookmobile.errors import BookmobileError
from bookmobile.node import Node, init_node
from bookmobile.settings import Settings as NodeSettings
from bookmobile.store import outbox
from bookmobile.store.connection import reading
from bookmobile.sync.session import enrol, make_link, sync_once
from central.db import new_session
from central.models import Bib, LocationKind
from central.services.accounts import apply_internet_service
from central.services.circulation import lend
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.services.lookup import patron_by_card
from central.services.patrons import Registration, register_patron
from central.sync.devices import allocate_card_block, register_node
from sync_protocol.batch import Batch, Receipt
from sync_protocol.passwords import hash_password
from sync_protocol.policy import CirculationPolicy
from tests.sync.harness import free_port

SECRET = "concurrency-test-secret-" + "x" * 32
# Sign-ins verify Argon2 hashes (memory- and CPU-hard by design); fifty at once would only measure
# that. They happen before the load starts, a few at a time, as patrons trickle in.
SIGN_INS_AT_ONCE = threading.BoundedSemaphore(4)
PASSWORD = "Library-2026"
POPULAR = 3  # titles every patron holds
COPIES_PER_VAN = 6  # two of them of popular titles


@dataclass
class Library:
    """What the seeding created: ids and codes the load and the checks need."""

    main_id: int
    popular: list[int] = field(default_factory=list)
    stop_ids: list[int] = field(default_factory=list)
    vans: list[tuple[str, str, str]] = field(default_factory=list)  # (node code, stop code, enrolment code)
    van_cards: dict[str, list[str]] = field(default_factory=dict)
    van_copies: dict[str, list[str]] = field(default_factory=dict)
    web_cards: list[str] = field(default_factory=list)
    web_loans: dict[str, int] = field(default_factory=dict)  # card -> loan id to renew


def _titles(ctx: ServiceContext, count: int, name: str) -> list[int]:
    rows = [{"title": f"{name}{n}", "title_reading": f"しりょう{n}"} for n in range(count)]
    with transaction(ctx.session):
        ctx.session.execute(insert(Bib), rows)
        found = ctx.session.exec(select(Bib.id).where(col(Bib.title).startswith(name)).order_by(col(Bib.id)))
        return [bib_id for bib_id in found if bib_id is not None]


def seed(engine: Engine, vans: int, patrons: int) -> Library:
    """The main library, `vans` vans with a stop, copies and two patrons each, `patrons` patrons of the
    internet service each borrowing one copy, and an enrolment code per van's node."""
    policy = CirculationPolicy()
    with new_session(engine) as session:
        main = add_location(ServiceContext(session, policy, "system:test", None), "MAIN", LocationKind.MAIN, "本館")
        assert main.id is not None
        desk = ServiceContext(session, policy, "system:test", main.id)
        library = Library(main.id, _titles(desk, POPULAR, "人気の本"))
        ordinary = _titles(desk, patrons, "一般の本")
        add_copies(desk, [NewCopy(f"51{n:08d}", bib, main.id) for n, bib in enumerate(ordinary)])
        add_copies(desk, [NewCopy(f"52{n:08d}", library.popular[n % POPULAR], main.id) for n in range(POPULAR)])
        for v in range(vans):
            van = add_location(desk, f"BM{v:02d}", LocationKind.BOOKMOBILE, f"移動図書館{v}")
            stop = add_location(desk, f"BM{v:02d}-S1", LocationKind.STOP, f"停留所{v}", parent=van)
            copies = [f"6{v:02d}{n:07d}" for n in range(COPIES_PER_VAN)]
            titles = [library.popular[(v + n) % POPULAR] if n < 2 else ordinary[(v + n) % patrons] for n in range(6)]
            add_copies(desk, [NewCopy(b, t, van.id) for b, t in zip(copies, titles, strict=True)])  # type: ignore[arg-type]
            cards = [f"7{v:02d}0000{n}" for n in range(2)]
            for card in cards:
                register_patron(desk, Registration(card, f"車の利用者{card}", "くるまのりようしゃ", date(1970, 1, 1)))
            issued = register_node(desk, f"VAN-{v:02d}", van)
            allocate_card_block(desk, issued.node)
            library.vans.append((issued.node.code, stop.code, issued.code))
            library.stop_ids.append(stop.id)  # type: ignore[arg-type]
            library.van_cards[issued.node.code] = cards
            library.van_copies[issued.node.code] = copies
        password_hash = hash_password(PASSWORD)
        two_days_ago = ServiceContext(session, policy, "staff:1", main.id, desk.now - timedelta(days=2))
        for n in range(patrons):
            card = f"3{n:07d}"
            patron = register_patron(desk, Registration(card, f"ウェブ利用者{n}", "うぇぶ", date(1980, 1, 1)))
            apply_internet_service(desk, patron, "driving_licence", password_hash=password_hash)
            loan = lend(two_days_ago, patron_by_card(session, card), f"51{n:08d}")
            assert loan.id is not None
            library.web_cards.append(card)
            library.web_loans[card] = loan.id
    return library


@contextmanager
def central_served(database_url: str, folder: Path, workers: int) -> Iterator[str]:
    """`central serve --workers N` on a free loopback port, until the block ends (then SIGINT).
    Its output goes to `folder`/central.log."""
    port = free_port()
    env = {
        **os.environ,
        "CENTRAL_DATABASE_URL": database_url,
        "CENTRAL_SECRET_KEY": SECRET,
        "CENTRAL_DATA_DIR": str(folder),
    }
    command = [str(Path(sys.executable).with_name("central")), "serve", "--workers", str(workers)]
    folder.mkdir(parents=True, exist_ok=True)
    with server_process([*command, "--host", "127.0.0.1", "--port", str(port)], port, folder / "central.log", env=env):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def server_process(command: list[str], port: int, log: Path, **popen: Any) -> Iterator[subprocess.Popen[bytes]]:
    """`command` (a `central serve`) running until the block ends, answering /healthz first; then
    Ctrl-C, as an operator stops it. Its output goes to `log`."""
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, log)
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"central exited:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError("central did not answer /healthz within a minute")


@dataclass
class VanRun:
    """What one van did: operation ids it recorded, its twin uploads' receipts, its link's retries."""

    code: str
    op_ids: list[str] = field(default_factory=list)
    twin_receipts: list[Receipt] = field(default_factory=list)
    retries: int = 0


def _settings(folder: Path) -> NodeSettings:
    return NodeSettings(data_dir=folder, sync_backoff_s=0.05, sync_attempts=8, sync_timeout_s=60)


def _try(action: Any, *args: Any) -> bool:
    try:
        action(*args)
    except BookmobileError:
        return False  # refused at the desk (a copy set aside for a hold meanwhile): staff move on
    return True


def _upload_twice_at_once(node: Node, settings: NodeSettings) -> list[Receipt]:
    """Send the pending batch as two requests at the same instant, as a retry racing a slow answer would."""
    link = make_link(node, settings)
    link.handshake()
    state = link.call("GET", "/sync/v1/state")
    with reading(node.conn):
        pending = outbox.pending(node.conn, int(state["high_water"]))
    if not pending:
        return []
    wire = Batch(node.node_id, node.epoch, pending[0].seq, pending[-1].seq, tuple(pending)).encode()
    start = threading.Barrier(2)
    receipts: list[Receipt] = []

    def send() -> None:
        start.wait()
        receipts.append(Receipt.from_dict(link.call("POST", "/sync/v1/batches", wire)))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return receipts


def drive_van(url: str, folder: Path, library: Library, van: tuple[str, str, str], go: threading.Barrier) -> VanRun:
    """Enrol and bootstrap a van, then three rounds at the stop: lend everything, take most of it
    back, lend again what may be lent; each round ends with a sync (the first with a twin upload)."""
    code, stop, enrolment = van
    settings = _settings(folder)
    node = init_node(settings, code)
    run = VanRun(code)
    try:
        enrol(node, settings, url, enrolment)
        run.retries += sync_once(node, settings).retries
        set_stop(node, stop)
        cards, copies = library.van_cards[code], library.van_copies[code]
        go.wait()
        for n, barcode in enumerate(copies):
            _try(van_lend, node, cards[n % 2], barcode)
        run.twin_receipts = _upload_twice_at_once(node, settings)
        run.retries += sync_once(node, settings).retries
        for barcode in copies[:4]:
            _try(take_back, node, barcode)
        run.retries += sync_once(node, settings).retries
        for n, barcode in enumerate(copies[:4]):
            _try(van_lend, node, cards[(n + 1) % 2], barcode)
        run.retries += sync_once(node, settings).retries
        with reading(node.conn):
            run.op_ids = [row[0] for row in node.conn.execute("SELECT op_id FROM outbox ORDER BY seq")]
            assert outbox.counts(node.conn).pending == 0, "every operation was acknowledged"
    finally:
        node.close()
    return run


@dataclass
class PatronRun:
    """What one patron's client saw: (title, place) per hold placed, and the renewal's status."""

    card: str
    places: list[tuple[int, int]] = field(default_factory=list)
    renewal_status: int = 0


def drive_patron(url: str, library: Library, card: str, pickup: int, go: threading.Barrier) -> PatronRun:
    """Sign in, then hold every popular title (in an order of its own) and renew the one loan.

    The connection used after the start is a new one: one kept idle through the wait could be
    closed by the server just as the first hold goes out on it."""
    with SIGN_INS_AT_ONCE:
        signed_in = requests.post(f"{url}/api/v1/session", json={"card_number": card, "password": PASSWORD}, timeout=60)
    assert signed_in.status_code == 201, signed_in.text
    run = PatronRun(card)
    turn = library.web_cards.index(card)
    titles = library.popular[turn % POPULAR :] + library.popular[: turn % POPULAR]
    go.wait()
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {signed_in.json()['token']}"
        for bib_id in titles:
            body = {"bib_id": bib_id, "pickup_location_id": pickup, "contact_method": "phone"}
            placed = http.post(f"{url}/api/v1/holds", json=body, timeout=60)
            assert placed.status_code == 201, placed.text
            run.places.append((bib_id, placed.json()["queue_place"]))
        renewed = http.post(f"{url}/api/v1/loans/{library.web_loans[card]}/renew", timeout=60)
    run.renewal_status = renewed.status_code
    assert renewed.status_code == 200, renewed.text
    return run
