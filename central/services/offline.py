"""Recording what a bookmobile already did offline (SPEC disagreements 1-5, 12).

At the desk a service may refuse: the patron is still there. An operation from a van reports a
fact - the book has left with the patron, or is back on the van - so these functions record it
and say how central's view disagreed (`Disagreement`), with the safe default they took. The sync
ingest turns each disagreement into a conflict row; nothing here knows about sync tables.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select

from central.models import Hold, HoldStatus, Item, ItemStatus, Loan, Patron, PatronStatus
from central.services import audit
from central.services.circulation import (
    ReturnOutcome,
    close_loan,
    extend_loan,
    open_loan_of,
    return_item,
    start_loan,
)
from central.services.context import ServiceContext, transaction
from central.services.holds import holds_waiting
from central.services.patrons import active_blocks
from sync_protocol.renewal import renewals_used_up


@dataclass(frozen=True)
class Disagreement:
    """Central's view differed from the van's. `needs_admin`: no default is safe enough to close it."""

    kind: str
    summary: str
    default_action: str
    central_facts: dict[str, Any] = field(default_factory=dict)
    needs_admin: bool = False


def _blocked(ctx: ServiceContext, patron: Patron) -> Disagreement | None:
    """SPEC 3: the patron was blocked at central after the van's roster was made."""
    blocks = active_blocks(ctx, patron)
    if patron.status == PatronStatus.ACTIVE and not blocks:
        return None
    return Disagreement(
        "blocked_patron",
        f"貸出停止中の利用者({patron.card_number})に移動図書館で貸出・延長が行われました。",
        "記録は反映済み(資料は利用者の手元にあります)。利用者への連絡を判断してください。",
        {"status": patron.status, "blocks": [b.reason for b in blocks]},
        needs_admin=True,
    )


def _close_stale_loan(ctx: ServiceContext, patron: Patron, item: Item) -> Disagreement | None:
    """SPEC 1: the copy is on loan at central to someone else - a return was never recorded."""
    stale = open_loan_of(ctx, item)
    if stale is None or stale.patron_id == patron.id:
        return None
    facts = {"loan_id": stale.id, "patron_id": stale.patron_id, "out_at": stale.out_at, "due_date": stale.due_date}
    close_loan(ctx, stale, item)
    return Disagreement(
        "stale_loan_closed",
        f"移動図書館で貸し出された資料({item.barcode})が、本館では別の利用者に貸出中でした。",
        "前の貸出を、移動図書館での貸出時刻に返却済みとしました。",
        facts,
    )


def _release_caught_copy(ctx: ServiceContext, patron: Patron, item: Item) -> Disagreement | None:
    """SPEC 2: the copy was caught for someone else's hold; the walk-in keeps it (R14)."""
    hold = ctx.session.exec(
        select(Hold).where(Hold.item_id == item.id, col(Hold.status).in_([HoldStatus.READY, HoldStatus.IN_TRANSIT]))
    ).first()
    if hold is None or hold.patron_id == patron.id:
        return None
    facts = {"hold_id": hold.id, "hold_status": hold.status, "hold_patron_id": hold.patron_id}
    hold.status = HoldStatus.QUEUED
    hold.item_id = None
    hold.ready_at = None
    hold.pickup_deadline = None
    ctx.session.add(hold)
    audit.record(ctx, "hold.requeue", "hold", hold.id, before=facts)
    return Disagreement(
        "held_copy_lent_offline",
        f"予約資料として確保されていた資料({item.barcode})が、移動図書館で別の利用者に貸し出されました。",
        "来館者優先(R14):貸出を有効とし、予約は順番を保ったまま別の資料を待ちます。",
        facts,
    )


def record_offline_lend(
    ctx: ServiceContext, patron: Patron, item: Item, due_date: date
) -> tuple[Loan, list[Disagreement]]:
    """A copy the van lent: the loan stands, with the van's due date (the patron's receipt)."""
    with transaction(ctx.session):
        current = open_loan_of(ctx, item)
        if current is not None and current.patron_id == patron.id:
            return current, []  # already recorded (lent at the desk, then scanned again on the van)
        found = [d for d in (_blocked(ctx, patron), _close_stale_loan(ctx, patron, item)) if d]
        released = _release_caught_copy(ctx, patron, item)
        if released:
            found.append(released)
        if item.status in (ItemStatus.MISSING, ItemStatus.WITHDRAWN):
            found.append(
                Disagreement(
                    "lent_missing_item",
                    f"不明・除籍扱いの資料({item.barcode})が移動図書館で貸し出されました。",
                    "貸出を有効とし、資料を所在確認済みとしました。",
                    {"status": item.status},
                )
            )
        loan = start_loan(ctx, patron, item, due_date)
        return loan, found


def record_offline_return(ctx: ServiceContext, item: Item) -> tuple[ReturnOutcome | None, list[Disagreement]]:
    """A copy taken back on the van. SPEC 5 (no loan, or a newer loan) and 12 (route to a hold)."""
    with transaction(ctx.session):
        loan = open_loan_of(ctx, item)
        if loan is not None and loan.out_at > ctx.now:
            return None, [
                Disagreement(
                    "return_predates_loan",
                    f"移動図書館での返却({item.barcode})より後に、本館で新しい貸出が記録されています。",
                    "新しい貸出をそのまま有効としました(古い貸出の返却として扱います)。",
                    {"loan_id": loan.id, "out_at": loan.out_at},
                )
            ]
        found = []
        if loan is None:
            found.append(
                Disagreement(
                    "return_without_loan",
                    f"移動図書館で返却された資料({item.barcode})は、本館では貸出中ではありませんでした。",
                    "返却を受け付け、資料の所在を移動図書館にしました。",
                    {"status": item.status, "location_id": item.current_location_id},
                )
            )
        return return_item(ctx, item.barcode), found


def record_offline_renewal(ctx: ServiceContext, loan: Loan, new_due: date) -> tuple[Loan, list[Disagreement]]:
    """A renewal the van granted against its snapshot (SPEC 4: a hold may have arrived since)."""
    with transaction(ctx.session):
        found = []
        patron = ctx.session.get(Patron, loan.patron_id)
        blocked = _blocked(ctx, patron) if patron else None
        if blocked:
            found.append(blocked)
        item = ctx.session.get(Item, loan.item_id)
        waiting = holds_waiting(ctx, item.bib_id) if item else 0
        if waiting:
            found.append(
                Disagreement(
                    "renewal_despite_hold",
                    "移動図書館で延長された資料に、延長の前に本館で予約が入っていました(R9)。",
                    "利用者に渡した返却期限を守り、延長を有効としました。予約者は返却を待ちます。",
                    {"holds_waiting": waiting, "due_date_before": loan.due_date},
                )
            )
        if renewals_used_up(loan.renewal_count, ctx.policy):
            found.append(
                Disagreement(
                    "renewed_twice",
                    "すでに延長済みの貸出が、移動図書館でも延長されました。",
                    "利用者に渡した返却期限を有効としました。",
                    {"renewal_count": loan.renewal_count, "due_date_before": loan.due_date},
                )
            )
        return extend_loan(ctx, loan, new_due), found


def record_hand_over(
    ctx: ServiceContext, hold: Hold, patron: Patron, item: Item, due_date: date
) -> tuple[Loan, list[Disagreement]]:
    """A hold handed over at a stop becomes a loan; a hold closed meanwhile still gives a valid loan."""
    with transaction(ctx.session):
        found = []
        if hold.status not in (HoldStatus.READY, HoldStatus.IN_TRANSIT) or hold.patron_id != patron.id:
            found.append(
                Disagreement(
                    "hand_over_of_closed_hold",
                    f"移動図書館で受け渡された予約(#{hold.id})は、本館では受け渡し可能な状態ではありませんでした。",
                    "資料は利用者に渡っているため、貸出として記録しました。",
                    {"hold_status": hold.status, "hold_patron_id": hold.patron_id},
                )
            )
        loan, more = record_offline_lend(ctx, patron, item, due_date)
        return loan, found + more
