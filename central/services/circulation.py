"""Lending, returning and renewing copies (R9, R14, SPEC 12)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select

from central.errors import NotFound, RuleRefused
from central.models import Hold, HoldStatus, Item, ItemStatus, Loan, Patron
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.services.holds import fulfil_if_held, holds_waiting, mark_ready, retarget_after_walk_in, route_copy
from central.services.lookup import item_by_barcode
from central.services.patrons import ensure_may_borrow
from sync_protocol.due_dates import due_date_for_loan
from sync_protocol.renewal import check_renewal


def open_loan_of(ctx: ServiceContext, item: Item) -> Loan | None:
    return ctx.session.exec(select(Loan).where(Loan.item_id == item.id, col(Loan.returned_at).is_(None))).first()


def _ensure_lendable(ctx: ServiceContext, patron: Patron, item: Item) -> None:
    if item.status == ItemStatus.ON_LOAN:
        raise RuleRefused(
            "item_on_loan",
            f"資料「{item.barcode}」は貸出中として記録されています。先に返却処理をしてください。",
            f"Item {item.barcode} is recorded as on loan; check it in first.",
        )
    if item.status in (ItemStatus.ON_HOLD_SHELF, ItemStatus.IN_TRANSIT):
        hold = ctx.session.exec(
            select(Hold).where(Hold.item_id == item.id, col(Hold.status).in_([HoldStatus.READY, HoldStatus.IN_TRANSIT]))
        ).first()
        if hold is None or hold.patron_id != patron.id:
            raise RuleRefused(
                "item_held_for_another",
                f"資料「{item.barcode}」は他の利用者の予約資料として確保されています。",
                f"Item {item.barcode} is set aside for another patron's hold.",
            )
    if item.status in (ItemStatus.MISSING, ItemStatus.WITHDRAWN):
        raise RuleRefused(
            "item_not_lendable",
            f"資料「{item.barcode}」は貸出できない状態です(不明・除籍)。",
            f"Item {item.barcode} is missing or withdrawn.",
        )
    open_loans = ctx.session.exec(
        select(func.count()).select_from(Loan).where(Loan.patron_id == patron.id, col(Loan.returned_at).is_(None))
    ).one()
    if open_loans >= ctx.policy.max_loans:
        raise RuleRefused(
            "loan_limit",
            f"貸出できるのは{ctx.policy.max_loans}点までです。",
            f"At most {ctx.policy.max_loans} items may be borrowed.",
        )


def lend(ctx: ServiceContext, patron: Patron, barcode: str) -> Loan:
    """Lend a copy. R14: an on-shelf copy that a hold targets goes to the walk-in; the hold looks
    for another copy. A copy caught for this patron's own hold fulfils it."""
    with transaction(ctx.session):
        item = item_by_barcode(ctx.session, barcode)
        ensure_may_borrow(ctx, patron)
        _ensure_lendable(ctx, patron, item)
        return start_loan(ctx, patron, item, due_date_for_loan(ctx.today, ctx.policy))


def start_loan(ctx: ServiceContext, patron: Patron, item: Item, due_date: date) -> Loan:
    """Open the loan once the checks are done (at the desk by `lend`, on the van before sync)."""
    item.status = ItemStatus.ON_LOAN
    item.current_location_id = ctx.location_id  # type: ignore[assignment]
    ctx.session.add(item)
    ctx.session.flush()
    if fulfil_if_held(ctx, patron, item) is None:
        retarget_after_walk_in(ctx, item)
    loan = Loan(
        item_id=item.id,  # type: ignore[arg-type]
        patron_id=patron.id,
        out_at=ctx.now,
        location_id=ctx.location_id,  # type: ignore[arg-type]
        due_date=due_date,
    )
    ctx.session.add(loan)
    ctx.session.flush()
    audit.record(ctx, "loan.lend", "loan", loan.id, after={"item": item.barcode, "due_date": loan.due_date})
    return loan


@dataclass(frozen=True)
class ReturnOutcome:
    """What happened to a returned copy: the loan it closed (if any) and the hold it now serves."""

    item: Item
    loan: Loan | None
    hold: Hold | None

    @property
    def destination(self) -> str:
        """Where staff put the copy: "shelf", "hold_shelf" or "transit"."""
        if self.hold is None:
            return "shelf"
        return "hold_shelf" if self.hold.status == HoldStatus.READY else "transit"


def return_item(ctx: ServiceContext, barcode: str) -> ReturnOutcome:
    """Check a copy in where it is scanned. A copy a hold waits for goes to that hold, not the shelf."""
    with transaction(ctx.session):
        item = item_by_barcode(ctx.session, barcode)
        loan = open_loan_of(ctx, item)
        if loan is not None:
            close_loan(ctx, loan, item)
        item.current_location_id = ctx.location_id  # type: ignore[assignment]
        hold = _arriving_hold(ctx, item)
        if hold is None:
            hold = route_copy(ctx, item)
        ctx.session.flush()
        return ReturnOutcome(item, loan, hold)


def close_loan(ctx: ServiceContext, loan: Loan, item: Item) -> None:
    """Mark the loan returned now, here (the copy's own routing is the caller's business)."""
    loan.returned_at = ctx.now
    loan.returned_location_id = ctx.location_id
    ctx.session.add(loan)
    audit.record(ctx, "loan.return", "loan", loan.id, after={"item": item.barcode})


def _arriving_hold(ctx: ServiceContext, item: Item) -> Hold | None:
    """A copy already caught for a hold and scanned on arrival at its pickup place becomes ready."""
    if item.status not in (ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF):
        return None
    hold = ctx.session.exec(
        select(Hold).where(Hold.item_id == item.id, col(Hold.status).in_([HoldStatus.IN_TRANSIT, HoldStatus.READY]))
    ).first()
    if hold is None:
        return None
    if hold.status == HoldStatus.IN_TRANSIT and hold.pickup_location_id == ctx.location_id:
        mark_ready(ctx, hold, item)
    return hold


def renew(ctx: ServiceContext, loan: Loan) -> Loan:
    """R9: renew once, if not overdue and no hold waits; the new due date is today + 14 days."""
    with transaction(ctx.session):
        if loan.returned_at is not None:
            raise RuleRefused("loan_closed", "この貸出はすでに返却されています。", "This loan has been returned.")
        item = ctx.session.get(Item, loan.item_id)
        assert item is not None
        check = check_renewal(
            due=loan.due_date,
            renewal_count=loan.renewal_count,
            holds_waiting=holds_waiting(ctx, item.bib_id),
            today=ctx.today,
            policy=ctx.policy,
        )
        if check.refusal is not None:
            raise RuleRefused.from_refusal(check.refusal, loan_id=loan.id)
        assert check.new_due is not None
        return extend_loan(ctx, loan, check.new_due)


def extend_loan(ctx: ServiceContext, loan: Loan, new_due: date) -> Loan:
    """Record a renewal once R9 was checked (here by `renew`, or on the van before sync)."""
    before = {"due_date": loan.due_date, "renewal_count": loan.renewal_count}
    loan.due_date = new_due
    loan.renewal_count += 1
    loan.renewed_at = ctx.now
    ctx.session.add(loan)
    audit.record(ctx, "loan.renew", "loan", loan.id, before=before, after={"due_date": loan.due_date})
    return loan


def renew_by_barcode(ctx: ServiceContext, barcode: str) -> Loan:
    """Desk renewal of the copy in hand."""
    with transaction(ctx.session):
        item = item_by_barcode(ctx.session, barcode)
        loan = open_loan_of(ctx, item)
        if loan is None:
            raise NotFound(
                "not_on_loan", f"資料「{item.barcode}」は貸出中ではありません。", "This item is not on loan."
            )
        return renew(ctx, loan)


def patron_loan(ctx: ServiceContext, patron: Patron, loan_id: int) -> Loan:
    """The patron's own open loan, or "not found" (never another patron's)."""
    loan = ctx.session.get(Loan, loan_id)
    if loan is None or loan.patron_id != patron.id or loan.returned_at is not None:
        raise NotFound("unknown_loan", "貸出が見つかりません。", "No such loan.")
    return loan
