"""The van's day on its route (docs/routes.md): today's stops from the timetable it pulled, copies
loaded at the main library for holds at its stops, and a clear answer for a patron who asks at
the counter about a hold whose copy is not on the van.

Choosing the stop (`setup.set_stop`) stamps every operation with it, as before.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bookmobile.clock import today
from bookmobile.desk.patrons import require_patron
from bookmobile.desk.recording import record
from bookmobile.desk.scanning import read_barcode, read_card
from bookmobile.errors import AlreadyLoaded, NothingToLoad
from bookmobile.node import Node
from bookmobile.store import local_changes, meta, timetable
from bookmobile.store.connection import reading, write_transaction
from bookmobile.store.local_view import PatronView
from bookmobile.store.timetable import StopHold, VisitView
from sync_protocol.operations import LoadHoldCopy
from sync_protocol.snapshot import HoldState, ItemState


@dataclass(frozen=True)
class RouteDay:
    """A day's visits in driving order, where the van says it is, and the next day it drives."""

    day: date
    visits: list[VisitView]
    current_stop: str | None
    next_day: date | None


def route_of_day(node: Node, day: date | None = None) -> RouteDay:
    """The visits of `day` (default: today) from the pulled timetable."""
    day = day or today(node.clock)
    with reading(node.conn):
        node.snapshot()
        visits = timetable.visits_on(node.conn, day)
        following = timetable.next_driving_day(node.conn, day + timedelta(days=1))
        return RouteDay(day, visits, meta.get(node.conn, meta.CURRENT_STOP), following)


@dataclass(frozen=True)
class LoadLine:
    """A copy loaded onto the van for a hold: where and when it will be handed over."""

    seq: int
    barcode: str
    title: str
    stop_name: str
    visit: VisitView | None


def load(node: Node, barcode_raw: str) -> LoadLine:
    """Record a copy caught for a hold at one of the van's stops as loaded onto the van."""
    barcode = read_barcode(node.conn, barcode_raw)
    with write_transaction(node.conn):
        node.snapshot()
        hold = timetable.stop_hold_for_barcode(node.conn, barcode)
        if hold is None:
            raise NothingToLoad(barcode=barcode)
        if hold.state is HoldState.ON_VAN:
            raise AlreadyLoaded(barcode=barcode, stop=hold.stop_name)
        op = record(node, LoadHoldCopy(hold.hold_id, barcode))
        timetable.mark_loaded(node.conn, op.seq, hold.hold_id)
        local_changes.set_item_state(node.conn, op.seq, barcode, ItemState.ON_HOLD_SHELF)
        visit = timetable.next_visit(node.conn, hold.stop_code, today(node.clock))
    return LoadLine(op.seq, barcode, hold.title, hold.stop_name, visit)


def to_load(node: Node) -> list[tuple[StopHold, VisitView | None]]:
    """The copies waiting at the main library for the van, each with the visit it is for."""
    with reading(node.conn):
        node.snapshot()
        day = today(node.clock)
        return [(h, timetable.next_visit(node.conn, h.stop_code, day)) for h in timetable.holds_to_load(node.conn)]


class Whereabouts(StrEnum):
    """What the counter tells a patron about one hold."""

    HERE = "here"  # on the van, for this stop: hand it over now
    ON_VAN = "on_van"  # on the van, for another of its stops
    TO_LOAD = "to_load"  # at the main library; comes with a later visit
    QUEUED = "queued"  # no copy yet
    HANDED_OVER = "handed_over"


@dataclass(frozen=True)
class HoldAnswer:
    """One hold of the patron at the counter: where its copy is, and the visit it can be collected at."""

    hold: StopHold
    where: Whereabouts
    visit: VisitView | None


def patron_holds(node: Node, card_raw: str) -> tuple[PatronView, list[HoldAnswer]]:
    """The patron's holds for this van's stops, each with where it is and when it comes."""
    card = read_card(node.conn, card_raw)
    with reading(node.conn):
        node.snapshot()
        patron = require_patron(node, card)
        here = meta.get(node.conn, meta.CURRENT_STOP)
        day = today(node.clock)
        answers = [_answer(node, hold, here, day) for hold in timetable.holds_of_card(node.conn, card)]
    return patron, answers


def _answer(node: Node, hold: StopHold, here: str | None, day: date) -> HoldAnswer:
    if hold.handed_over:
        return HoldAnswer(hold, Whereabouts.HANDED_OVER, None)
    if hold.state is HoldState.QUEUED:
        return HoldAnswer(hold, Whereabouts.QUEUED, None)
    if hold.state is HoldState.TO_LOAD:
        # The copy is at the main library and the van is out: the earliest visit is tomorrow's.
        return HoldAnswer(
            hold, Whereabouts.TO_LOAD, timetable.next_visit(node.conn, hold.stop_code, day + timedelta(1))
        )
    if hold.stop_code == here:
        return HoldAnswer(hold, Whereabouts.HERE, None)
    return HoldAnswer(hold, Whereabouts.ON_VAN, timetable.next_visit(node.conn, hold.stop_code, day))
