"""Who is at the counter, and whether they may borrow (shared by lending, hand-over and renewal)."""

from bookmobile.desk.scanning import read_card
from bookmobile.errors import OverLimit, PatronBlocked, UnknownCard
from bookmobile.node import Node
from bookmobile.store.connection import reading
from bookmobile.store.local_view import PatronView, find_patron
from sync_protocol.policy import CirculationPolicy


def require_patron(node: Node, card_number: str) -> PatronView:
    """The patron with this card in the van's view, or UnknownCard (SPEC disagreement 7)."""
    patron = find_patron(node.conn, card_number)
    if patron is None:
        raise UnknownCard(card=card_number)
    return patron


def check_not_blocked(patron: PatronView) -> None:
    """Disagreement 3: the van refuses what its roster says is blocked; central re-checks later."""
    if patron.blocked:
        raise PatronBlocked(name=patron.name, card=patron.card_number)


def check_may_borrow_another(patron: PatronView, policy: CirculationPolicy) -> None:
    """Not blocked, and below the loan limit of the policy central sent."""
    check_not_blocked(patron)
    if patron.open_loans >= policy.max_loans:
        raise OverLimit(name=patron.name, limit=policy.max_loans)


def identify_patron(node: Node, card_raw: str) -> PatronView:
    """The patron whose card was scanned (counter mode and the lend command greet them first)."""
    card = read_card(node.conn, card_raw)
    with reading(node.conn):
        node.snapshot()
        return require_patron(node, card)
