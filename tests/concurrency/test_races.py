"""Two transactions at once on PostgreSQL, in a chosen order: the change-log cursor and one copy lent twice.

Each test holds one transaction open just before its commit, lets the other run into it, and checks
that the outcome is the one a serial order would give.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, func, select

from central.db import new_session
from central.errors import RuleRefused
from central.models import Bib, ChangeLogEntry, Loan, LocationKind, Patron
from central.retry import retrying
from central.services.changelog import stable_cursor, unpack_keys
from central.services.circulation import lend
from central.services.collection import NewCopy, add_copies, add_location
from central.services.context import ServiceContext, transaction
from central.services.lookup import patron_by_card
from central.services.patrons import Registration, register_patron
from sync_protocol.policy import CirculationPolicy

pytestmark = pytest.mark.postgresql


def _desk(session: Session, location_id: int | None = None) -> ServiceContext:
    return ServiceContext(session, CirculationPolicy(), "staff:1", location_id)


def _library(engine: Engine) -> int:
    """The main library, two patrons (cards 10000001, 10000002) and one copy (barcode 5000000001)."""
    with new_session(engine) as session:
        main = add_location(_desk(session), "MAIN", LocationKind.MAIN, "本館")
        desk = _desk(session, main.id)
        for n in (1, 2):
            register_patron(desk, Registration(f"1000000{n}", f"利用者{n}", "りようしゃ", date(1980, 1, n)))
        with transaction(session):
            bib = Bib(title="猫の本", title_reading="ねこのほん")
            session.add(bib)
            session.flush()
        add_copies(desk, [NewCopy("5000000001", bib.id, main.id)])  # type: ignore[arg-type]
        assert main.id is not None
        return main.id


def _waiting_for_a_lock(engine: Engine, timeout_s: float = 10) -> None:
    """Return once another connection to this database waits for a lock (the race is set up)."""
    deadline = time.monotonic() + timeout_s
    with engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            probe.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("no transaction ever waited for the lock")


def _paused_after_writing(session: Session, kind: type) -> tuple[threading.Event, threading.Event]:
    """Events (reached, go): once the session has written a new `kind` row (and its change-log rows),
    its transaction waits for `go` before going on to commit."""
    reached, go = threading.Event(), threading.Event()

    def pause(flushed: Session, _context: Any) -> None:
        if not reached.is_set() and any(isinstance(obj, kind) for obj in flushed.identity_map.values()):
            reached.set()
            assert go.wait(10)

    event.listen(session, "after_flush_postexec", pause)
    return reached, go


def _in_thread(work: Callable[[], Any]) -> Future[Any]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(work)
    pool.shutdown(wait=False)
    return future


def test_two_desks_lending_one_copy_at_once_give_one_loan_and_one_refusal(engine: Engine) -> None:
    main = _library(engine)
    attempts = []
    with new_session(engine) as first, new_session(engine) as second:
        reached, go = _paused_after_writing(first, Loan)
        lent = _in_thread(lambda: lend(_desk(first, main), patron_by_card(first, "10000001"), "5000000001"))
        assert reached.wait(10)  # the first loan is written, not yet committed

        def second_desk() -> Loan:
            attempts.append(1)
            return lend(_desk(second, main), patron_by_card(second, "10000002"), "5000000001")

        refused = _in_thread(lambda: retrying(second, second_desk))
        _waiting_for_a_lock(engine)  # the second desk queues behind the first one's copy row
        go.set()
        assert lent.result(10).returned_at is None
        with pytest.raises(RuleRefused) as raised:
            refused.result(10)
    # Run again after the unique violation, the second desk saw the copy on loan and said so.
    assert raised.value.code == "item_on_loan" and len(attempts) == 2
    with new_session(engine) as session:
        assert session.exec(select(func.count()).select_from(Loan)).one() == 1


def test_a_change_committed_late_never_falls_below_a_cursor_already_served(engine: Engine) -> None:
    main = _library(engine)
    with new_session(engine) as slow, new_session(engine) as quick, new_session(engine) as puller:
        reached, go = _paused_after_writing(slow, Patron)
        registered = _in_thread(
            lambda: register_patron(_desk(slow, main), Registration("10000003", "遅い", "おそい", date(1980, 2, 1)))
        )
        assert reached.wait(10)  # the slow registration is written, not committed
        register_patron(_desk(quick, main), Registration("10000004", "速い", "はやい", date(1980, 2, 2)))
        served = stable_cursor(puller)  # a pull now: it sees the quick registration only
        puller.rollback()
        go.set()
        registered.result(10)
    with new_session(engine) as session:
        roster = session.exec(select(ChangeLogEntry).where(ChangeLogEntry.scope == "roster")).all()
        ids = {
            card: next(
                entry.id
                for entry in roster
                if session.exec(select(Patron.id).where(Patron.card_number == card)).one() in unpack_keys(entry.keys)
            )
            for card in ("10000003", "10000004")
        }
    assert ids["10000004"] <= served < ids["10000003"]  # the van's next pull, after `served`, gets it
