"""Fixtures for routes, stops and stop holds: central's, the sync and the staff pages' fixtures (a
migrated database per test, an enrolled van sending operations in-process, staff accounts and the
app) plus a timetable."""

from collections.abc import Callable
from datetime import date, time

import pytest

from central.models import Bib, Hold, HoldStatus, Item, Location, Patron, Route, RuleKind
from central.services.circulation import lend, return_item
from central.services.context import ServiceContext
from central.services.holds import place_hold
from central.services.routes import attach_stop, create_route
from central.services.timetable_rules import Rule
from tests.staff.conftest import *  # noqa: F403 - central's, the sync and the staff pages' fixtures

Ctx = Callable[..., ServiceContext]
MakePatron = Callable[..., Patron]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]
WEDNESDAY = 2


@pytest.fixture
def weekly_route(ctx: Ctx, locations: dict[str, Location]) -> Route:
    """Route BM1-W: the van at 大山公民館 (BM1-S01) every Wednesday 10:00-10:40 from 2026-06-03.
    NOW is Wednesday 2026-06-10 10:00, so the visits are 06-10, 06-17, 06-24, 07-01 ..."""
    admin = ctx(actor="staff:admin")
    route = create_route(
        admin, "BM1-W", "水曜コース", locations["van"], Rule(RuleKind.WEEKLY, WEDNESDAY, date(2026, 6, 3))
    )
    attach_stop(admin, route, locations["stop"], time(10, 0), time(10, 40))
    return route


def caught_for_stop(
    ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle, stop: Location, **holder: object
) -> tuple[Hold, Patron, Item]:
    """A hold for pickup at `stop` whose copy came back at the main library at NOW: to be loaded."""
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(email=None), copy.barcode)
    patron = make_patron(**holder)
    hold = place_hold(ctx(actor=f"patron:{patron.id}"), patron, bib.id, stop.id, "email")  # type: ignore[arg-type]
    return_item(ctx(), copy.barcode)
    assert hold.status == HoldStatus.IN_TRANSIT
    return hold, patron, copy
