"""What staff do on a van at a stop, through the node's own desk functions (B1).

Each action picks its patron and copy from the van's view, the way staff would see them, acts, and
copies the new outbox entries into the simulation's ledger. A refusal (`BookmobileError`) is the
desk saying no; the driver counts it and moves on.
"""

from collections.abc import Callable

from bookmobile.desk.accounts import IssuedPassword, apply_internet_service, reissue_password
from bookmobile.desk.forms import NewPatron
from bookmobile.desk.lending import hand_over, lend
from bookmobile.desk.registration import change_email, register_patron
from bookmobile.desk.renewals import renew
from bookmobile.desk.returns import take_back
from bookmobile.desk.setup import set_stop
from bookmobile.store.connection import reading
from bookmobile.store.local_view import find_patron, hold_for_barcode
from sync_protocol.operations import IdDocumentKind
from sync_protocol.snapshot import ItemState
from tests.simulation.library import Person, stops_of
from tests.simulation.vans import Van
from tests.simulation.world import World

# A well-formed barcode no library copy has: a book from another library handed in (SPEC 7).
STRANGE_BARCODE = "3999999999"
ID_KINDS = tuple(IdDocumentKind)


def _pick_van(world: World) -> Van:
    return world.vans[world.rng.choice(sorted(world.vans))]


def _note_password(world: World, van: Van, issued: IssuedPassword) -> None:
    """Remember the receipt's password until central takes the operation in (R5)."""
    with reading(van.node.conn):
        (op_id,) = van.node.conn.execute("SELECT op_id FROM outbox WHERE seq = ?", (issued.seq,)).fetchone()
    world.credentials.waiting[op_id] = (issued.card_number, issued.temporary_password)


def van_lend(world: World, van: Van) -> bool:
    """Lend a copy on the van's shelf; a copy on its hold shelf goes to its hold's patron (hand-over)."""
    items = [i for i in van.items() if i.status in (ItemState.AVAILABLE, ItemState.ON_HOLD_SHELF)]
    cards = van.cards()
    if not items or not cards:
        return False
    item = world.rng.choice(items)
    card = world.rng.choice(cards)
    if item.status is ItemState.ON_HOLD_SHELF and world.rng.random() < 0.8:
        with reading(van.node.conn):
            hold = hold_for_barcode(van.node.conn, item.barcode)
        card = hold.card_number if hold else card
    lend(van.node, card, item.barcode)
    return True


def van_return(world: World, van: Van) -> bool:
    """Take back a copy on loan; now and then one the van shows on the shelf, or a stranger (SPEC 5, 7)."""
    roll = world.rng.random()
    if roll < 0.02:
        take_back(van.node, STRANGE_BARCODE)
        return True
    items = van.items()
    lent = [i for i in items if i.status is ItemState.ON_LOAN]
    pool = lent if lent and roll < 0.9 else items
    if not pool:
        return False
    take_back(van.node, world.rng.choice(pool).barcode)
    return True


def van_renew(world: World, van: Van) -> bool:
    lent = [i for i in van.items() if i.status is ItemState.ON_LOAN]
    if not lent:
        return False
    renew(van.node, world.rng.choice(lent).barcode)
    return True


def van_register(world: World, van: Van) -> bool:
    """A new card on the van; sometimes for a person who already holds one (SPEC 6), sometimes
    with the internet service applied for at the same time (R2-R5)."""
    person = choose_person(world)
    form = NewPatron(person.name, person.reading, person.birth_date, "宜野湾市野嵩1-2-3", "098-892-0000", person.email)
    kind = world.rng.choice(ID_KINDS) if world.rng.random() < 0.5 else None
    done = register_patron(van.node, form, kind)
    world.cards_of.setdefault(person.key, []).append(done.card_number)
    if done.internet is not None:
        _note_password(world, van, done.internet)
    return True


def choose_person(world: World) -> Person:
    """Mostly someone new; a quarter of the time someone who already holds a card (SPEC 6)."""
    holders = sorted(world.cards_of)
    if holders and world.rng.random() < 0.25:
        return world.people[world.rng.choice(holders)]
    person = world.people[world.next_person % len(world.people)]
    world.next_person += 1
    return person


def van_apply(world: World, van: Van) -> bool:
    """R1-R5 for a card holder at the counter without an account (as far as the van knows)."""
    cards = van.cards()
    if not cards:
        return False
    card = world.rng.choice(cards)
    with reading(van.node.conn):
        patron = find_patron(van.node.conn, card)
    reissue = patron is not None and patron.has_internet_account
    kind = world.rng.choice(ID_KINDS)
    issued = reissue_password(van.node, card, kind) if reissue else apply_internet_service(van.node, card, kind)
    _note_password(world, van, issued)
    return True


def van_email(world: World, van: Van) -> bool:
    """R11/R12: a new address, its removal, or an address R12 refuses."""
    cards = van.cards()
    if not cards:
        return False
    card = world.rng.choice(cards)
    roll = world.rng.random()
    address = None if roll < 0.15 else (f"bad..{card}@example.jp" if roll < 0.25 else f"v{card}.{roll:.4f}@example.jp")
    change_email(van.node, card, address)
    return True


def van_hand_over(world: World, van: Van) -> bool:
    """Hand over a hold sent to this stop (B6)."""
    holds = van.holds_here()
    if not holds:
        return False
    hold = world.rng.choice(holds)
    if hold.barcode not in {i.barcode for i in van.items()}:
        # The copy came from elsewhere: staff scan it in at the stop; central then puts it on this
        # stop's hold shelf, and the van hands it over once its view shows the copy.
        take_back(van.node, hold.barcode)
        return True
    hand_over(van.node, hold.card_number, hold.barcode)
    return True


def van_move(world: World, van: Van) -> bool:
    """The van drives on to its other stop."""
    van.stop = next(s for s in stops_of(van.code) if s != van.stop)
    set_stop(van.node, van.stop)
    return True


VAN_ACTIONS: dict[str, tuple[float, Callable[[World, Van], bool]]] = {
    "van.lend": (14, van_lend),
    "van.return": (8, van_return),
    "van.renew": (4, van_renew),
    "van.register": (3, van_register),
    "van.internet": (2, van_apply),
    "van.email": (2, van_email),
    "van.hand_over": (4, van_hand_over),
    "van.move": (2, van_move),
}


def act_on_van(world: World, name: str) -> bool:
    """Run one van action on a random van and capture what it recorded."""
    van = _pick_van(world)
    try:
        return VAN_ACTIONS[name][1](world, van)
    finally:
        van.capture(world.ledger)
