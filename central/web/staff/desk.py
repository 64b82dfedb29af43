"""The main desk: lend, return and renew by barcode (R9, R14, SPEC 12) and the hold shelf. Each
form comes back to its page with what to tell the patron or where to put the copy."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from central.retry import retrying
from central.staff.desk import LendReceipt, ReturnReceipt, lend_at_desk, renew_at_desk, return_at_desk
from central.staff.hold_shelf import hold_shelf
from central.web.errors import returns_to
from central.web.rendering import redirect
from central.web.security.flash import Flash
from central.web.staff.deps import DeskContext, require_desk
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute
from central.web.state import web_state

router = APIRouter(prefix="/staff", route_class=StaffRoute, dependencies=[Depends(require_desk)])
Barcode = Annotated[str, Form(min_length=1, max_length=32)]
Card = Annotated[str, Form(min_length=1, max_length=32)]


def _jdate(day: object) -> str:
    return f"{day.year}年{day.month}月{day.day}日"  # type: ignore[attr-defined]


def lend_message(receipt: LendReceipt) -> str:
    text = (
        f"「{receipt.title}」({receipt.barcode})を {receipt.patron_name} さん({receipt.card_number})に"
        f"貸し出しました。返却期限は{_jdate(receipt.due_date)}です。"
    )
    if receipt.bypassed_holds:
        text += f" この資料を対象にしていた予約{receipt.bypassed_holds}件は、別の資料を待ちます(来館者優先 R14)。"
    if receipt.fulfilled_own_hold:
        text += " この利用者の予約を受け渡し済みにしました。"
    return text


def return_message(receipt: ReturnReceipt) -> str:
    text = f"「{receipt.title}」({receipt.barcode})を返却しました。"
    if receipt.overdue_days:
        text += f" 返却期限を{receipt.overdue_days}日過ぎていました。"
    if not receipt.had_loan:
        text += " 貸出中の記録はありませんでした。"
    if receipt.destination == "hold_shelf":
        text += f" 予約資料です。予約棚に置いてください(利用者番号 {receipt.hold_card_number})。"
    elif receipt.destination == "transit":
        text += f" 予約資料です。「{receipt.pickup_name}」へ回送してください(利用者番号 {receipt.hold_card_number})。"
    else:
        text += " 書架に戻してください。"
    return text


@router.get("/desk")
def circulation(request: Request) -> Response:
    """貸出・返却・延長."""
    return render(request, "staff/circulation.html", {"nav": "desk"})


@router.post("/desk/lend", dependencies=[Depends(returns_to("/staff/desk", "lend"))])
def lend(request: Request, ctx: DeskContext, card_number: Card, barcode: Barcode) -> Response:
    receipt = retrying(ctx.session, lambda: lend_at_desk(ctx, card_number, barcode))
    return redirect(request, "/staff/desk", [Flash(lend_message(receipt), "info", "lend")])


@router.post("/desk/return", dependencies=[Depends(returns_to("/staff/desk", "return"))])
def give_back(request: Request, ctx: DeskContext, barcode: Barcode) -> Response:
    receipt = retrying(ctx.session, lambda: return_at_desk(ctx, barcode))
    return redirect(request, "/staff/desk", [Flash(return_message(receipt), "info", "return")])


@router.post("/desk/renew", dependencies=[Depends(returns_to("/staff/desk", "renew"))])
def renew(request: Request, ctx: DeskContext, barcode: Barcode) -> Response:
    """R9: refused when overdue, held by someone, or renewed before - with that reason."""
    receipt = retrying(ctx.session, lambda: renew_at_desk(ctx, barcode))
    text = f"「{receipt.title}」({receipt.barcode})を延長しました。新しい返却期限は{_jdate(receipt.due_date)}です。"
    return redirect(request, "/staff/desk", [Flash(text, "info", "renew")])


@router.get("/desk/holds")
def shelf(request: Request, ctx: DeskContext) -> Response:
    """予約棚: copies to pull for holds, holds ready for pickup, holds whose pickup period ends soon."""
    days = web_state(request).settings.hold_expiring_days
    context = {"nav": "holds", "shelf": hold_shelf(ctx, ctx.location_id, days), "expiring_days": days}  # type: ignore[arg-type]
    return render(request, "staff/hold_shelf.html", context)


@router.post("/desk/holds/pull", dependencies=[Depends(returns_to("/staff/desk/holds", "pull"))])
def pull(request: Request, ctx: DeskContext, barcode: Barcode) -> Response:
    """確保: the pulled copy is checked in here, which catches it for the hold that targets it."""
    receipt = retrying(ctx.session, lambda: return_at_desk(ctx, barcode))
    return redirect(request, "/staff/desk/holds", [Flash(return_message(receipt), "info", "pull")])
