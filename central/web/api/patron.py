"""The signed-in patron's own records: account, loans (renew, R9), holds (place, cancel, R13, R19).

Loan and hold ids resolve through central.web.ownership, so another patron's id is "not found".
"""

from fastapi import APIRouter, Request, Response

from central.retry import retrying
from central.services.accounts import change_email
from central.services.circulation import renew
from central.services.holds import cancel_hold, place_hold
from central.services.patron_view import (
    HoldView,
    LoanView,
    PatronSummary,
    holds_of,
    loans_of,
    patron_summary,
    pickup_place,
)
from central.web.api.schemas import EmailChange, HoldRequest, PasswordChange
from central.web.deps import ClientAddress, ContextDep, CurrentPatron, SignedInDep
from central.web.ownership import OwnHold, OwnLoan
from central.web.security.credentials import change_own_password
from central.web.state import web_state

router = APIRouter(tags=["patron"])


@router.get("/me")
def me(ctx: ContextDep, patron: CurrentPatron) -> PatronSummary:
    """The signed-in patron; `temporary_password` true means R6's reminder applies."""
    return patron_summary(ctx, patron)


@router.put("/me/email")
def put_email(ctx: ContextDep, patron: CurrentPatron, body: EmailChange) -> PatronSummary:
    """R11/R12: change the address; non-RFC forms such as `a..b@docomo.ne.jp` are refused with the reason."""
    retrying(ctx.session, lambda: change_email(ctx, patron, body.email))
    return patron_summary(ctx, patron)


@router.put("/me/password", status_code=204)
def put_password(
    request: Request, ctx: ContextDep, signed_in: SignedInDep, address: ClientAddress, body: PasswordChange
) -> Response:
    """R6: replace the (temporary) password; the patron's other sessions end, this one stays."""
    change_own_password(ctx, web_state(request), signed_in, body.current_password, body.new_password, address)
    return Response(status_code=204)


@router.get("/loans")
def list_loans(ctx: ContextDep, patron: CurrentPatron) -> list[LoanView]:
    """Open loans with due dates, soonest due first."""
    return loans_of(ctx, patron)


@router.post("/loans/{loan_id}/renew")
def renew_loan(ctx: ContextDep, patron: CurrentPatron, loan: OwnLoan) -> LoanView:
    """R9: once, if not overdue and nobody waits; refusals say why (409 with the rule's code)."""
    renewed = retrying(ctx.session, lambda: renew(ctx, loan))
    assert renewed.id is not None
    return loans_of(ctx, patron, only=[renewed.id])[0]


@router.get("/holds")
def list_holds(ctx: ContextDep, patron: CurrentPatron) -> list[HoldView]:
    """Open holds with their places in the queues (R19)."""
    return holds_of(ctx, patron)


@router.post("/holds", status_code=201)
def create_hold(ctx: ContextDep, patron: CurrentPatron, body: HoldRequest) -> HoldView:
    """Place a hold; its queue place is decided now, as central processes it (R13)."""
    place = pickup_place(ctx, body.pickup_location_id)
    hold = retrying(ctx.session, lambda: place_hold(ctx, patron, body.bib_id, place.id, body.contact_method))
    assert hold.id is not None
    return holds_of(ctx, patron, only=[hold.id])[0]


@router.delete("/holds/{hold_id}", status_code=204)
def delete_hold(ctx: ContextDep, hold: OwnHold) -> Response:
    """Cancel one of your holds."""
    retrying(ctx.session, lambda: cancel_hold(ctx, hold))
    return Response(status_code=204)
