"""Ownership, checked in one place: a loan or hold id in a URL resolves only to the signed-in
patron's own record. Anyone else's id gets the same "not found" as an id that does not exist, so
changing the number in a URL neither shows nor touches another patron's records, nor tells them apart."""

from typing import Annotated

from fastapi import Depends, Path

from central.models import Hold, Loan
from central.services.circulation import patron_loan
from central.services.holds import patron_hold
from central.web.deps import MAX_ID, ContextDep, CurrentPatron

_LoanId = Annotated[int, Path(ge=1, le=MAX_ID, description="The id of one of your loans.")]
_HoldId = Annotated[int, Path(ge=1, le=MAX_ID, description="The id of one of your holds.")]


def _own_loan(loan_id: _LoanId, patron: CurrentPatron, ctx: ContextDep) -> Loan:
    return patron_loan(ctx, patron, loan_id)


def _own_hold(hold_id: _HoldId, patron: CurrentPatron, ctx: ContextDep) -> Hold:
    return patron_hold(ctx, patron, hold_id)


OwnLoan = Annotated[Loan, Depends(_own_loan)]
OwnHold = Annotated[Hold, Depends(_own_hold)]
