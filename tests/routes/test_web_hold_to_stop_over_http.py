"""Issue 10, "Must show": a hold placed through the JSON API for pickup at a bookmobile stop ends
as a loan handed over at that stop - central served over loopback HTTP, a real van node syncing
with it, and the nightly job writing the ready notice (R10) that names the stop and the visit."""

from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine
from sqlmodel import select

from bookmobile.desk.lending import hand_over
from bookmobile.desk.routes import load, to_load
from bookmobile.desk.setup import set_stop
from bookmobile.node import Node
from bookmobile.sync.session import sync_once
from central.db import new_session
from central.mail.templates import japanese_date
from central.models import Bib, Hold, HoldStatus, Item, Loan, Location, RuleKind
from central.nightly.job import run_nightly
from central.services.accounts import apply_internet_service, change_email
from central.services.circulation import lend, return_item
from central.services.collection import NewCopy, add_copies
from central.services.context import ServiceContext, transaction
from central.services.lookup import location_by_code, patron_by_card
from central.services.routes import attach_stop, create_route
from central.services.timetable_rules import Rule
from central.settings import Settings
from sync_protocol.timezone import tokyo_date, utc_now
from tests.central.test_nightly_support import outbox
from tests.sync.harness import CARDS, enrolled_van, prepared_central, serve

HOLDER, BORROWER = CARDS[0], CARDS[1]
COPY = "3200000001"  # the only copy of its title, at the main library


def _ctx(session: object, settings: Settings, at: str = "MAIN") -> ServiceContext:
    location = location_by_code(session, at)  # type: ignore[arg-type]
    return ServiceContext(session, settings.policy(), "staff:1", location.id)  # type: ignore[arg-type]


def _library(engine: Engine, settings: Settings) -> tuple[str, date]:
    """A weekly route visiting both stops tomorrow (Tokyo), the holder's web account and e-mail,
    and a title whose one copy, at the main library, is out on loan. Returns the holder's temporary
    password and tomorrow."""
    tomorrow = tokyo_date(utc_now()) + timedelta(days=1)
    with new_session(engine) as session:
        ctx = _ctx(session, settings)
        with transaction(session):
            bib = Bib(title="銀河鉄道の夜", title_reading="ぎんがてつどうのよる")
            session.add(bib)
        add_copies(ctx, [NewCopy(COPY, bib.id, ctx.location_id)])  # type: ignore[arg-type]
        van = location_by_code(session, "BM1")
        route = create_route(ctx, "BM1-A", "巡回コースA", van, Rule(RuleKind.WEEKLY, tomorrow.weekday(), tomorrow))
        attach_stop(ctx, route, location_by_code(session, "BM1-S01"), time(10, 0), time(10, 40))
        attach_stop(ctx, route, location_by_code(session, "BM1-S02"), time(11, 0), time(11, 40))
        holder = patron_by_card(session, HOLDER)
        change_email(ctx, holder, "hanako@example.jp")
        issued = apply_internet_service(ctx, holder, "driving_licence")
        lend(ctx, patron_by_card(session, BORROWER), COPY)
    assert issued.temporary_password is not None
    return issued.temporary_password, tomorrow


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, Engine, Settings, str]]:
    settings, engine, code = prepared_central(tmp_path / "central")
    with serve(settings) as url:
        yield url, engine, settings, code
    engine.dispose()


def _place_hold_through_the_api(url: str, engine: Engine, password: str) -> int:
    with new_session(engine) as session, transaction(session):
        bib_id = session.exec(select(Item.bib_id).where(Item.barcode == COPY)).one()
        stop_id = location_by_code(session, "BM1-S01").id
    signed_in = requests.post(f"{url}/api/v1/session", json={"card_number": HOLDER, "password": password}, timeout=10)
    token = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    request = {"bib_id": bib_id, "pickup_location_id": stop_id, "contact_method": "email"}
    placed = requests.post(f"{url}/api/v1/holds", json=request, headers=token, timeout=10)
    assert placed.status_code == 201, placed.text
    return int(placed.json()["id"])


def _hold(engine: Engine, hold_id: int) -> Hold:
    with new_session(engine) as session, transaction(session):
        hold = session.get(Hold, hold_id)
        assert hold is not None
        return hold


def test_issue10_r15_web_hold_for_a_stop_is_loaded_notified_and_handed_over_there(
    central: tuple[str, Engine, Settings, str], tmp_path: Path
) -> None:
    url, engine, settings, code = central
    password, visit_day = _library(engine, settings)
    van: Node = enrolled_van(tmp_path / "van", url, code)
    try:
        hold_id = _place_hold_through_the_api(url, engine, password)
        with new_session(engine) as session:
            return_item(_ctx(session, settings), COPY)  # the borrower returns it at the main library
        assert _hold(engine, hold_id).status == HoldStatus.IN_TRANSIT
        run_nightly(engine, settings)
        assert outbox(settings) == []  # not before the copy is on the van

        first = sync_once(van, van.settings)  # sync 1: the van learns what to load
        assert not first.pulled.full  # changes since its cursor; every scope's checksum agrees
        ((listed, visit),) = to_load(van)
        assert (listed.hold_id, listed.barcode, visit and visit.day) == (hold_id, COPY, visit_day)
        load(van, COPY)
        second = sync_once(van, van.settings)  # sync 2: central hears the copy is on the van
        assert not second.pulled.full
        hold = _hold(engine, hold_id)
        assert hold.status == HoldStatus.READY and hold.pickup_deadline == visit_day + timedelta(days=7)

        run_nightly(engine, settings)
        (notice,) = outbox(settings)
        body = notice.get_content()
        assert notice["To"] == "hanako@example.jp" and "大山公民館" in body
        assert f"お渡し日: {japanese_date(visit_day)} 10:00〜10:40" in body

        set_stop(van, "BM1-S01")  # at the stop, on the visit
        hand_over(van, HOLDER, COPY)
        sync_once(van, van.settings)  # and the hand-over reaches central
    finally:
        van.close()
    assert _hold(engine, hold_id).status == HoldStatus.FULFILLED
    with new_session(engine) as session, transaction(session):
        loan, stop = session.exec(
            select(Loan, Location)
            .join(Item, Item.id == Loan.item_id)  # type: ignore[arg-type]
            .join(Location, Location.id == Loan.location_id)  # type: ignore[arg-type]
            .where(Item.barcode == COPY, Loan.returned_at.is_(None))  # type: ignore[union-attr]
        ).one()
        assert loan.patron_id == patron_by_card(session, HOLDER).id and stop.code == "BM1-S01"
