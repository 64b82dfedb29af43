"""利用者登録 at the main desk: a new card and, when the patron applies, the internet service (R1,
R2: the kind of ID seen, never its number; R4: the temporary password is shown on this response
only and works at once)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from central.errors import InvalidInput
from central.retry import retrying
from central.services.patrons import Registration
from central.staff.desk import register_at_desk
from central.web.staff.deps import DeskContext, require_desk
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute, refills

router = APIRouter(prefix="/staff", route_class=StaffRoute, dependencies=[Depends(require_desk)])
FORM = "staff/register.html"
Short = Annotated[str, Form(max_length=64)]
Long = Annotated[str, Form(max_length=300)]


def _birth_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(
            "birth_date_format", "生年月日を正しく入力してください(例:2010-04-02)。", "Enter the birth date."
        ) from None


@router.get("/desk/register")
def register_form(request: Request) -> Response:
    return render(request, FORM, {"nav": "register", "form": {}})


@router.post("/desk/register", dependencies=[Depends(refills(FORM))])
def register(
    request: Request,
    ctx: DeskContext,
    card_number: Short,
    name: Annotated[str, Form(max_length=200)],
    birth_date: Annotated[str, Form(max_length=10)],
    name_reading: Annotated[str, Form(max_length=200)] = "",
    address: Long = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    apply_internet: Annotated[bool, Form()] = False,
    id_document_kind: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """登録する: all or nothing; an R1 refusal shows the form again with what was typed."""
    form = Registration(card_number, name, name_reading, _birth_date(birth_date), address, phone, email or None)
    if apply_internet and not id_document_kind:
        raise InvalidInput(
            "id_document_required",
            "インターネットサービスの申込みには、確認した本人確認書類の種類を選んでください(R2)。",
            "Choose the kind of identity document seen (R2).",
        )
    kind = id_document_kind if apply_internet else ""
    issued = retrying(ctx.session, lambda: register_at_desk(ctx, form, kind))
    return render(request, "staff/issued.html", {"nav": "register", "issued": issued, "new_card": True})
