"""利用者照会 at the desk: find a patron, see loans, holds, blocks and the internet-service account;
apply for the service (R1, R2, R4), re-issue a forgotten password (R7), renew (R9), blocks."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import Response

from central.retry import retrying
from central.staff.desk import apply_at_desk, block_at_desk, lift_at_desk, reissue_at_desk, renew_at_desk
from central.staff.patron_record import find_patrons, patron_record
from central.web.deps import MAX_ID
from central.web.errors import returns_to
from central.web.rendering import redirect
from central.web.security.flash import Flash
from central.web.staff.deps import DeskContext, StaffContext, require_desk
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute

router = APIRouter(prefix="/staff", route_class=StaffRoute, dependencies=[Depends(require_desk)])
PatronId = Annotated[int, Path(ge=1, le=MAX_ID)]
IdKind = Annotated[str, Form(max_length=32)]
BLOCK_REASONS = {"lost_card": "カード紛失", "long_overdue": "長期延滞", "other": "その他"}
PAGE = "/staff/patrons/{patron_id}"


@router.get("/patrons")
def search(request: Request, ctx: StaffContext, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    """利用者番号(カード)か、氏名・よみの一部で探す."""
    hits = find_patrons(ctx, q) if q.strip() else []
    return render(request, "staff/patrons.html", {"nav": "patrons", "q": q, "hits": hits})


@router.get("/patrons/{patron_id}")
def record(request: Request, ctx: StaffContext, patron_id: PatronId) -> Response:
    context = {"nav": "patrons", "p": patron_record(ctx, patron_id), "block_reasons": BLOCK_REASONS}
    return render(request, "staff/patron.html", context)


@router.post("/patrons/{patron_id}/apply", dependencies=[Depends(returns_to(PAGE, "account"))])
def apply(request: Request, ctx: DeskContext, patron_id: PatronId, id_document_kind: IdKind) -> Response:
    """インターネットサービス申込み (R1, R2, R4): the temporary password is shown once, usable today."""
    issued = retrying(ctx.session, lambda: apply_at_desk(ctx, patron_id, id_document_kind))
    return render(request, "staff/issued.html", {"nav": "patrons", "issued": issued})


@router.post("/patrons/{patron_id}/reissue", dependencies=[Depends(returns_to(PAGE, "account"))])
def reissue(request: Request, ctx: DeskContext, patron_id: PatronId, id_document_kind: IdKind) -> Response:
    """パスワード再発行 (R7): in person only; the old password and its sessions stop at once."""
    issued = retrying(ctx.session, lambda: reissue_at_desk(ctx, patron_id, id_document_kind))
    return render(request, "staff/issued.html", {"nav": "patrons", "issued": issued, "reissued": True})


@router.post("/patrons/{patron_id}/renew", dependencies=[Depends(returns_to(PAGE, "loans"))])
def renew(
    request: Request, ctx: DeskContext, patron_id: PatronId, barcode: Annotated[str, Form(max_length=32)]
) -> Response:
    receipt = retrying(ctx.session, lambda: renew_at_desk(ctx, barcode))
    due = receipt.due_date
    text = f"「{receipt.title}」を延長しました。新しい返却期限は{due.year}年{due.month}月{due.day}日です。"
    return redirect(request, f"/staff/patrons/{patron_id}", [Flash(text, "info", "loans")])


@router.post("/patrons/{patron_id}/blocks", dependencies=[Depends(returns_to(PAGE, "blocks"))])
def block(
    request: Request,
    ctx: DeskContext,
    patron_id: PatronId,
    reason: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    kind = reason if reason in BLOCK_REASONS else "other"
    retrying(ctx.session, lambda: block_at_desk(ctx, patron_id, kind, note))
    return redirect(request, f"/staff/patrons/{patron_id}", [Flash("貸出停止を登録しました。", "info", "blocks")])


@router.post("/patrons/{patron_id}/blocks/{block_id}/lift", dependencies=[Depends(returns_to(PAGE, "blocks"))])
def lift(request: Request, ctx: DeskContext, patron_id: PatronId, block_id: PatronId) -> Response:
    retrying(ctx.session, lambda: lift_at_desk(ctx, patron_id, block_id))
    return redirect(request, f"/staff/patrons/{patron_id}", [Flash("貸出停止を解除しました。", "info", "blocks")])
