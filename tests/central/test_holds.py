"""Holds: strict queue places under concurrency (R13), cancellation, ownership (R19)."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from central.db import new_session
from central.errors import InvalidInput, NotFound, RuleRefused
from central.models import Bib, Hold, HoldStatus, Item, ItemStatus, Patron
from central.services.circulation import lend, return_item
from central.services.context import ServiceContext
from central.services.holds import cancel_hold, patron_hold, place_hold, queue_place
from sync_protocol.policy import CirculationPolicy
from tests.central.conftest import NOW

Ctx = Callable[..., ServiceContext]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]


def test_r13_concurrent_holds_on_one_title_get_places_1_to_n(
    engine: Engine, ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    patron_ids = [make_patron().id for _ in range(24)]
    location_id = ctx().location_id

    def place(patron_id: int | None) -> int:
        with new_session(engine) as session:
            own = ServiceContext(session, CirculationPolicy(), f"patron:{patron_id}", location_id, NOW)
            patron = session.get(Patron, patron_id)
            assert patron is not None
            return place_hold(own, patron, bib.id, location_id, "email").queue_number  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(place, patron_ids))
    assert sorted(numbers) == list(range(1, 25))
    with new_session(engine) as session:
        reader = ServiceContext(session, CirculationPolicy(), "system:test", location_id, NOW)
        with session.begin():
            holds = session.exec(select(Hold).where(Hold.bib_id == bib.id)).all()
            places = sorted(queue_place(reader, h) for h in holds)
    assert places == list(range(1, 25))


def test_r13_places_close_up_without_gaps_when_a_hold_is_cancelled(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    holds = [place_hold(ctx(), make_patron(), bib.id, ctx().location_id, "email") for _ in range(3)]
    cancel_hold(ctx(), holds[0])
    assert [queue_place(ctx(), h) for h in holds[1:]] == [1, 2]
    later = place_hold(ctx(), make_patron(), bib.id, ctx().location_id, "phone")
    assert queue_place(ctx(), later) == 3


def test_cancelling_a_ready_hold_passes_the_copy_to_the_next_in_line(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(), copy.barcode)
    first = place_hold(ctx(), make_patron(), bib.id, ctx().location_id, "email")
    second = place_hold(ctx(), make_patron(), bib.id, ctx().location_id, "email")
    return_item(ctx(), copy.barcode)
    assert first.status == HoldStatus.READY
    cancel_hold(ctx(), first)
    assert second.status == HoldStatus.READY and second.item_id == copy.id
    cancel_hold(ctx(), second)
    assert copy.status == ItemStatus.AVAILABLE


def test_a_patron_cannot_hold_the_same_title_twice_or_one_they_are_borrowing(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    patron = make_patron()
    bib, (copy, _) = make_title(copies=2)
    place_hold(ctx(), patron, bib.id, ctx().location_id, "email")
    with pytest.raises(RuleRefused) as error:
        place_hold(ctx(), patron, bib.id, ctx().location_id, "email")
    assert error.value.code == "hold_exists"
    other_bib, (other_copy,) = make_title("こころ")
    lend(ctx(), patron, other_copy.barcode)
    with pytest.raises(RuleRefused) as error:
        place_hold(ctx(), patron, other_bib.id, ctx().location_id, "email")
    assert error.value.code == "already_borrowing"


def test_email_contact_needs_an_address(ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle) -> None:
    bib, _ = make_title()
    with pytest.raises(InvalidInput) as error:
        place_hold(ctx(), make_patron(email=None), bib.id, ctx().location_id, "email")
    assert error.value.code == "no_email_address"


def test_r19_a_patron_cannot_reach_another_patrons_hold(
    ctx: Ctx, make_patron: Callable[..., Patron], make_title: MakeTitle
) -> None:
    owner, intruder = make_patron(), make_patron()
    bib, _ = make_title()
    hold = place_hold(ctx(), owner, bib.id, ctx().location_id, "email")
    assert patron_hold(ctx(), owner, hold.id).id == hold.id  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        patron_hold(ctx(), intruder, hold.id)  # type: ignore[arg-type]
