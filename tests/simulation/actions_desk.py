"""What staff do at the main library's desk, through central's services (one use case each).

The desk acts at the simulated now; a refusal (`CentralError`) is the service saying no, counted
by the driver. Passwords issued here must work the same day (R4).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from central.db import new_session
from central.models import Hold, HoldStatus, Item, ItemStatus, Loan, Patron, PatronBlock, PatronStatus
from central.services import accounts, circulation, holds, patrons
from sync_protocol.operations import IdDocumentKind
from sync_protocol.timezone import tokyo_date
from tests.simulation.actions_van import choose_person
from tests.simulation.model import Issue
from tests.simulation.world import World

ID_KINDS = tuple(IdDocumentKind)


def pick(world: World, session: Session, query: Any) -> Any:
    """A random row of `query` (ordered, so a seed always picks the same one), or None."""
    rows = session.exec(query).all()
    return world.rng.choice(rows) if rows else None


def random_patron(world: World, session: Session) -> Patron | None:
    total = session.exec(select(func.count()).select_from(Patron).where(Patron.status == PatronStatus.ACTIVE)).one()
    if not total:
        return None
    query = select(Patron).where(Patron.status == PatronStatus.ACTIVE).order_by(col(Patron.id))
    return session.exec(query.offset(world.rng.randrange(total)).limit(1)).first()


def issued_at_desk(world: World, card: str, issued: accounts.IssuedPassword) -> None:
    """R4: a password issued at the main desk works the same day."""
    assert issued.temporary_password is not None
    now = world.clock.now()
    world.credentials.add(card, Issue(issued.temporary_password, now, tokyo_date(now), "desk"))


def desk_register(world: World, session: Session) -> bool:
    """A new card at the desk (sometimes for someone who holds one from a van: SPEC 6), often with
    the internet service applied for on the spot."""
    person = choose_person(world)
    card = str(world.next_desk_card)
    world.next_desk_card += 1
    form = patrons.Registration(card, person.name, person.reading, person.birth_date, "宜野湾市", "", person.email)
    patron = patrons.register_patron(world.ctx(session), form)
    world.cards_of.setdefault(person.key, []).append(card)
    if world.rng.random() < 0.4:
        issued = accounts.apply_internet_service(world.ctx(session), patron, world.rng.choice(ID_KINDS))
        issued_at_desk(world, card, issued)
    return True


def desk_internet(world: World, session: Session) -> bool:
    """An application (R1-R4), or a re-issue for a patron who forgot the password (R7)."""
    patron = random_patron(world, session)
    if patron is None:
        return False
    card = patron.card_number
    kind = world.rng.choice(ID_KINDS)
    if accounts.account_of(world.ctx(session), patron) is None:
        issued = accounts.apply_internet_service(world.ctx(session), patron, kind)
    else:
        issued = accounts.reissue_password(world.ctx(session), patron, kind)
    issued_at_desk(world, card, issued)
    return True


def desk_lend(world: World, session: Session) -> bool:
    """Lend a copy on the main library's shelf, or hand a ready hold to its patron."""
    main = world.library.main_id
    if world.rng.random() < 0.25:
        hold = pick(
            world,
            session,
            select(Hold).where(Hold.status == HoldStatus.READY, Hold.pickup_location_id == main).order_by(col(Hold.id)),
        )
        if hold is not None and hold.item_id is not None:
            item = session.get(Item, hold.item_id)
            holder = session.get(Patron, hold.patron_id)
            assert item is not None and holder is not None
            circulation.lend(world.ctx(session), holder, item.barcode)
            return True
    item = pick(
        world,
        session,
        select(Item)
        .where(Item.status == ItemStatus.AVAILABLE, Item.current_location_id == main)
        .order_by(col(Item.id)),
    )
    patron = random_patron(world, session)
    if item is None or patron is None:
        return False
    circulation.lend(world.ctx(session), patron, item.barcode)
    return True


def _open_loan_barcode(world: World, session: Session) -> str | None:
    query = select(Item.barcode).join(Loan, col(Loan.item_id) == Item.id).where(col(Loan.returned_at).is_(None))
    return pick(world, session, query.order_by(col(Loan.id)))


def desk_return(world: World, session: Session) -> bool:
    """A copy handed back at the main library, wherever it was lent (a van's copies too)."""
    barcode = _open_loan_barcode(world, session)
    if barcode is None:
        return False
    circulation.return_item(world.ctx(session), barcode)
    return True


def desk_receive(world: World, session: Session) -> bool:
    """A copy in transit to a hold at the main library arrives and is scanned: it becomes ready."""
    query = (
        select(Item.barcode)
        .join(Hold, col(Hold.item_id) == Item.id)
        .where(Hold.status == HoldStatus.IN_TRANSIT, Hold.pickup_location_id == world.library.main_id)
        .order_by(col(Hold.id))
    )
    barcode = pick(world, session, query)
    if barcode is None:
        return False
    circulation.return_item(world.ctx(session), barcode)
    return True


def desk_renew(world: World, session: Session) -> bool:
    barcode = _open_loan_barcode(world, session)
    if barcode is None:
        return False
    circulation.renew_by_barcode(world.ctx(session), barcode)
    return True


def desk_block(world: World, session: Session) -> bool:
    """A patron is blocked (lost card, unpaid damage) or a block lifted (SPEC 3)."""
    block = pick(
        world, session, select(PatronBlock).where(col(PatronBlock.lifted_at).is_(None)).order_by(col(PatronBlock.id))
    )
    if block is not None and world.rng.random() < 0.6:
        patrons.lift_block(world.ctx(session), block.id)  # type: ignore[arg-type]
        return True
    patron = random_patron(world, session)
    if patron is None:
        return False
    patrons.add_block(world.ctx(session), patron, "lost_card")
    return True


def place_hold_for(world: World, session: Session, patron: Patron, actor: str) -> None:
    """A hold on a random title, picked up at the main library or at a van stop (R13, R14)."""
    bib_id = world.rng.choice(world.library.bib_ids)
    pickup = world.rng.choice(world.library.location_ids())
    contact = "email" if patron.email and world.rng.random() < 0.8 else "phone"
    holds.place_hold(world.ctx(session, actor, None), patron, bib_id, pickup, contact)


def desk_hold(world: World, session: Session) -> bool:
    patron = random_patron(world, session)
    if patron is None:
        return False
    place_hold_for(world, session, patron, "staff:desk")
    return True


DESK_ACTIONS: dict[str, tuple[float, Callable[[World, Session], bool]]] = {
    "desk.register": (2, desk_register),
    "desk.internet": (1.5, desk_internet),
    "desk.lend": (5, desk_lend),
    "desk.return": (3, desk_return),
    "desk.receive": (3, desk_receive),
    "desk.renew": (1, desk_renew),
    "desk.block": (0.6, desk_block),
    "desk.hold": (2, desk_hold),
}


def act_at_desk(world: World, name: str) -> bool:
    with new_session(world.engine) as session:
        return DESK_ACTIONS[name][1](world, session)
