"""What patrons do from home on the internet service, through the services the web pages call.

Every web action starts by signing in with the password the simulation says must work today, and
the answer is itself an invariant check: R4 (desk passwords the same day), R5 (van applications
from the day after central took them in), R7 (an earlier password stops working) and SPEC 11 (the
later of a van re-issue and an online change wins).
"""

from collections.abc import Callable

from sqlmodel import Session, col, select

from central.db import new_session
from central.errors import AuthenticationFailed, CentralError, RuleRefused
from central.models import Hold, Loan, Patron
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services import accounts, circulation, holds
from sync_protocol.timezone import tokyo_date
from tests.simulation.actions_desk import pick, place_hold_for
from tests.simulation.model import Issue
from tests.simulation.world import World

SIGN_IN = "sign-in works from the right day with the right password (R4, R5, R7, SPEC 11)"


def sign_in(world: World, session: Session, card: str) -> Patron | None:
    """Sign in with the password that must work; None when it must not work yet (checked too)."""
    issue = world.credentials.current(card)
    assert issue is not None
    today = tokyo_date(world.clock.now())
    early = today < issue.works_from
    try:
        patron = accounts.authenticate(world.ctx(session, "patron:?", None), card, issue.password)
    except RuleRefused as refused:
        ok = early and refused.code == "account_not_yet_active"
        world.check(
            SIGN_IN, ok, f"card {card} on {today}: {refused.code}; expected from {issue.works_from} ({issue.source})"
        )
        return None
    except AuthenticationFailed:
        world.check(SIGN_IN, False, f"card {card} on {today}: the {issue.source} password of {issue.at} was refused")
        return None
    world.check(SIGN_IN, not early, f"card {card} signed in on {today}, before {issue.works_from} ({issue.source})")
    return None if early else patron


def old_password_refused(world: World, session: Session, card: str) -> None:
    """R7: a password given before the current one no longer opens the account."""
    old = world.credentials.superseded(card)
    if not old:
        return
    password = world.rng.choice(old)
    try:
        accounts.authenticate(world.ctx(session, "patron:?", None), card, password)
    except AuthenticationFailed:
        world.check(SIGN_IN, True)
        return
    except CentralError as other:
        world.check(SIGN_IN, False, f"card {card}: an earlier password still verifies ({other.code})")
        return
    world.check(SIGN_IN, False, f"card {card}: an earlier password still signs in")


def web_sign_in(world: World, session: Session, patron: Patron) -> bool:
    old_password_refused(world, session, patron.card_number)
    return True


def web_password(world: World, session: Session, patron: Patron) -> bool:
    """R6: the patron replaces the temporary password."""
    current = world.credentials.current(patron.card_number)
    assert current is not None
    new = f"pw-{world.rng.randrange(10**9):09d}"
    accounts.change_password(world.ctx(session, f"patron:{patron.id}", None), patron, current.password, new)
    now = world.clock.now()
    world.credentials.add(patron.card_number, Issue(new, now, tokyo_date(now), "web"))
    return True


def web_email(world: World, session: Session, patron: Patron) -> bool:
    """R11/R12: a new address; sometimes one R12 refuses."""
    roll = world.rng.random()
    address = "old.mobile.@example.jp" if roll < 0.1 else f"w{patron.card_number}.{roll:.4f}@example.jp"
    accounts.change_email(world.ctx(session, f"patron:{patron.id}", None), patron, address)
    return True


def web_hold(world: World, session: Session, patron: Patron) -> bool:
    place_hold_for(world, session, patron, f"patron:{patron.id}")
    return True


def web_cancel(world: World, session: Session, patron: Patron) -> bool:
    query = select(Hold).where(Hold.patron_id == patron.id, col(Hold.status).in_(OPEN_HOLD_STATUSES))
    hold = pick(world, session, query.order_by(col(Hold.id)))
    if hold is None:
        return False
    holds.cancel_hold(world.ctx(session, f"patron:{patron.id}", None), hold)
    return True


def web_renew(world: World, session: Session, patron: Patron) -> bool:
    """R9 online: refused when overdue, renewed before, or a hold waits."""
    query = select(Loan).where(Loan.patron_id == patron.id, col(Loan.returned_at).is_(None))
    loan = pick(world, session, query.order_by(col(Loan.id)))
    if loan is None:
        return False
    circulation.renew(world.ctx(session, f"patron:{patron.id}", None), loan)
    return True


WEB_ACTIONS: dict[str, tuple[float, Callable[[World, Session, Patron], bool]]] = {
    "web.sign_in": (3, web_sign_in),
    "web.password": (1.5, web_password),
    "web.email": (1, web_email),
    "web.hold": (5, web_hold),
    "web.cancel": (1, web_cancel),
    "web.renew": (2, web_renew),
}


def act_on_web(world: World, name: str) -> bool:
    """Sign a random account holder in (checked), then do `name` if the sign-in worked."""
    cards = world.credentials.cards()
    if not cards:
        return False
    card = world.rng.choice(cards)
    with new_session(world.engine) as session:
        patron = sign_in(world, session, card)
        if patron is None:
            return False
        return WEB_ACTIONS[name][1](world, session, patron)
