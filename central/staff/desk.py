"""The main desk's use cases as staff run them: each wraps the circulation and account services in
one transaction and returns a receipt of plain values for the page (what to say to the patron)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from central.errors import NotFound
from central.models import Bib, Hold, HoldStatus, Item, Location, Patron, PatronBlock
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services.accounts import IssuedPassword, apply_internet_service, reissue_password
from central.services.circulation import lend, renew_by_barcode, return_item
from central.services.context import ServiceContext, transaction
from central.services.lookup import item_by_barcode, patron_by_card, patron_by_id
from central.services.patrons import Registration, add_block, lift_block, register_patron

# An account service that issues a temporary password to a patron (apply, reissue).
PasswordIssuer = Callable[[ServiceContext, Patron, str], IssuedPassword]


@dataclass(frozen=True)
class IssuedCard:
    """A new card (and, when applied for, the temporary password to show once: R4)."""

    patron_id: int
    card_number: str
    name: str
    temporary_password: str | None
    active_from: date | None


@dataclass(frozen=True)
class LendReceipt:
    """R14: `bypassed_holds` queued holds targeted this shelf copy; they now wait for another copy."""

    patron_id: int
    card_number: str
    patron_name: str
    barcode: str
    title: str
    due_date: date
    bypassed_holds: int
    fulfilled_own_hold: bool


@dataclass(frozen=True)
class ReturnReceipt:
    """Where the copy goes now: back to the shelf, onto the hold shelf, or in transit (SPEC 12)."""

    barcode: str
    title: str
    had_loan: bool
    overdue_days: int
    destination: str
    hold_card_number: str
    pickup_name: str


@dataclass(frozen=True)
class RenewReceipt:
    barcode: str
    title: str
    due_date: date


def _title(ctx: ServiceContext, item: Item) -> str:
    bib = ctx.session.get(Bib, item.bib_id)
    return bib.title if bib else ""


def register_at_desk(ctx: ServiceContext, form: Registration, id_document_kind: str = "") -> IssuedCard:
    """A new card, plus the internet service when the patron applies (R1, R2, R4) - all or nothing,
    so a refusal (R1: not yet in junior high) leaves no half-registered patron."""
    with transaction(ctx.session):
        patron = register_patron(ctx, form)
        issued = apply_internet_service(ctx, patron, id_document_kind) if id_document_kind else None
        assert patron.id is not None
        return IssuedCard(
            patron.id,
            patron.card_number,
            patron.name,
            issued.temporary_password if issued else None,
            issued.account.active_from if issued else None,
        )


def _issue_for(ctx: ServiceContext, patron_id: int, id_document_kind: str, issue: PasswordIssuer) -> IssuedCard:
    """Run `issue` for the carded patron in one transaction and describe the password it issued."""
    with transaction(ctx.session):
        patron = patron_by_id(ctx.session, patron_id)
        issued = issue(ctx, patron, id_document_kind)
        return IssuedCard(
            patron_id, patron.card_number, patron.name, issued.temporary_password, issued.account.active_from
        )


def apply_at_desk(ctx: ServiceContext, patron_id: int, id_document_kind: str) -> IssuedCard:
    """R1-R4 for a patron who already has a card."""
    return _issue_for(ctx, patron_id, id_document_kind, apply_internet_service)


def reissue_at_desk(ctx: ServiceContext, patron_id: int, id_document_kind: str) -> IssuedCard:
    """R7: a new temporary password in person; the old one stops working at once."""
    return _issue_for(ctx, patron_id, id_document_kind, reissue_password)


def lend_at_desk(ctx: ServiceContext, card_number: str, barcode: str) -> LendReceipt:
    """Lend the copy in hand to the patron at the desk (R14: the walk-in gets a targeted shelf copy)."""
    with transaction(ctx.session):
        patron = patron_by_card(ctx.session, card_number)
        item = item_by_barcode(ctx.session, barcode)
        targeting = ctx.session.exec(
            select(Hold).where(Hold.item_id == item.id, Hold.status == HoldStatus.QUEUED, Hold.patron_id != patron.id)
        ).all()
        own_hold = ctx.session.exec(
            select(Hold.id).where(
                Hold.patron_id == patron.id,
                Hold.bib_id == item.bib_id,
                col(Hold.status).in_(OPEN_HOLD_STATUSES),
            )
        ).first()
        loan = lend(ctx, patron, item.barcode)
        assert patron.id is not None
        return LendReceipt(
            patron.id,
            patron.card_number,
            patron.name,
            item.barcode,
            _title(ctx, item),
            loan.due_date,
            len(targeting),
            own_hold is not None,
        )


def return_at_desk(ctx: ServiceContext, barcode: str) -> ReturnReceipt:
    """Check a copy in here; a hold that waits for it catches it (SPEC 12), else it goes to the shelf."""
    with transaction(ctx.session):
        outcome = return_item(ctx, barcode)
        hold = outcome.hold
        holder = ctx.session.get(Patron, hold.patron_id) if hold else None
        pickup = ctx.session.get(Location, hold.pickup_location_id) if hold else None
        overdue = (ctx.today - outcome.loan.due_date).days if outcome.loan else 0
        return ReturnReceipt(
            outcome.item.barcode,
            _title(ctx, outcome.item),
            outcome.loan is not None,
            max(0, overdue),
            outcome.destination,
            holder.card_number if holder else "",
            pickup.name if pickup else "",
        )


def renew_at_desk(ctx: ServiceContext, barcode: str) -> RenewReceipt:
    """R9 at the desk; a refusal carries the rule's reason."""
    with transaction(ctx.session):
        loan = renew_by_barcode(ctx, barcode)
        item = ctx.session.get(Item, loan.item_id)
        assert item is not None
        return RenewReceipt(item.barcode, _title(ctx, item), loan.due_date)


def block_at_desk(ctx: ServiceContext, patron_id: int, reason: str, note: str) -> None:
    """Stop a patron borrowing (a lost card, long-overdue items ...) until the block is lifted."""
    with transaction(ctx.session):
        add_block(ctx, patron_by_id(ctx.session, patron_id), reason, note)


def lift_at_desk(ctx: ServiceContext, patron_id: int, block_id: int) -> None:
    """Lift one of this patron's blocks (a block id of another patron is "not found")."""
    with transaction(ctx.session):
        block = ctx.session.get(PatronBlock, block_id)
        if block is None or block.patron_id != patron_id:
            raise NotFound("unknown_block", "解除できる貸出停止がありません。", "No such block in force.")
        lift_block(ctx, block_id)
