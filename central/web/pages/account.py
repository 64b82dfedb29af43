"""利用照会 (R8, R19): the patron's loans with 延長 (R9), holds with queue places and 取消, e-mail
address (R11, R12) and password (R6). Each form comes back here with the outcome shown next to
the record it concerns."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from central.errors import InvalidInput
from central.retry import retrying
from central.services.accounts import change_email
from central.services.circulation import renew
from central.services.holds import cancel_hold
from central.services.patron_view import holds_of, loans_of, patron_summary
from central.web.deps import ClientAddress, ContextDep, CurrentPatron, SignedInDep
from central.web.errors import returns_to
from central.web.ownership import OwnHold, OwnLoan
from central.web.rendering import redirect, render
from central.web.security.credentials import change_own_password
from central.web.security.flash import Flash
from central.web.state import web_state

router = APIRouter()

PasswordField = Annotated[str, Form(max_length=128)]


@router.get("/account")
def account(request: Request, ctx: ContextDep, patron: CurrentPatron) -> Response:
    context = {
        "summary": patron_summary(ctx, patron),
        "loans": loans_of(ctx, patron),
        "holds": holds_of(ctx, patron),
    }
    return render(request, "account.html", context)


@router.post("/account/loans/{loan_id}/renew", dependencies=[Depends(returns_to("/account#loans", "loan-{loan_id}"))])
def renew_loan(request: Request, ctx: ContextDep, loan: OwnLoan) -> Response:
    """延長: R9's reason, when refused, is shown on the loan's row."""
    renewed = retrying(ctx.session, lambda: renew(ctx, loan))
    due = renewed.due_date
    message = Flash(f"返却期限を{due.year}年{due.month}月{due.day}日まで延長しました。", "info", f"loan-{renewed.id}")
    return redirect(request, "/account#loans", [message])


@router.post("/account/holds/{hold_id}/cancel", dependencies=[Depends(returns_to("/account#holds", "hold-{hold_id}"))])
def cancel(request: Request, ctx: ContextDep, hold: OwnHold) -> Response:
    retrying(ctx.session, lambda: cancel_hold(ctx, hold))
    return redirect(request, "/account#holds", [Flash("予約を取り消しました。", "info", "holds")])


@router.post("/account/email", dependencies=[Depends(returns_to("/account#email", "email"))])
def email(
    request: Request, ctx: ContextDep, patron: CurrentPatron, email: Annotated[str, Form(max_length=254)]
) -> Response:
    """R12: an address the library cannot deliver to is refused with the reason, in Japanese."""
    retrying(ctx.session, lambda: change_email(ctx, patron, email))
    return redirect(request, "/account#email", [Flash("メールアドレスを変更しました。", "info", "email")])


@router.post("/account/password", dependencies=[Depends(returns_to("/account#password", "password"))])
def password(
    request: Request,
    ctx: ContextDep,
    signed_in: SignedInDep,
    address: ClientAddress,
    current_password: PasswordField,
    new_password: PasswordField,
    new_password_confirm: PasswordField,
) -> Response:
    """R6: once changed, the reminder stops; the patron's other sessions end."""
    if new_password != new_password_confirm:
        raise InvalidInput(
            "password_confirmation",
            "新しいパスワードと確認用のパスワードが一致しません。",
            "The new password and its confirmation differ.",
        )
    change_own_password(ctx, web_state(request), signed_in, current_password, new_password, address)
    message = Flash("パスワードを変更しました。ほかの端末でのログインは終了しました。", "info", "password")
    return redirect(request, "/account#password", [message])
