"""端末の管理, admins only: enrol a bookmobile's laptop (the one-time code is shown once), the sync
dashboard, a node's page, revoking a node, and a new code to re-enrol (rotating its key)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import Response

from central.errors import InvalidInput
from central.retry import retrying
from central.staff.devices import (
    bookmobiles,
    enrol_bookmobile,
    new_enrolment_code,
    node_dashboard,
    node_detail,
    revoke_node,
)
from central.web.errors import returns_to
from central.web.rendering import redirect
from central.web.security.flash import Flash
from central.web.staff.deps import StaffContext, node_silence, require_admin
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute
from central.web.state import web_state

router = APIRouter(prefix="/staff", route_class=StaffRoute, dependencies=[Depends(require_admin)])
NodeCode = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/devices")
def dashboard(request: Request, ctx: StaffContext) -> Response:
    """同期状況: every node with its last contact, batches, today's operations, conflicts and clock."""
    state = web_state(request)
    context = {
        "nav": "devices",
        "nodes": node_dashboard(ctx, node_silence(state)),
        "vans": bookmobiles(ctx),
        "silence_hours": state.settings.node_silence_alert_hours,
    }
    return render(request, "staff/devices.html", context)


@router.post("/devices", dependencies=[Depends(returns_to("/staff/devices", "enrol"))])
def enrol(
    request: Request,
    ctx: StaffContext,
    node_code: Annotated[str, Form(max_length=32)],
    van: Annotated[str, Form(max_length=32)],
) -> Response:
    """端末の登録: the one-time code appears on this response only (it is stored as a hash)."""
    enrolment = retrying(ctx.session, lambda: enrol_bookmobile(ctx, node_code, van))
    return render(request, "staff/enrolment.html", {"nav": "devices", "enrolment": enrolment, "back": "/staff/devices"})


@router.get("/devices/{code}")
def node_page(request: Request, ctx: StaffContext, code: NodeCode) -> Response:
    node, batches = node_detail(ctx, code, node_silence(web_state(request)))
    return render(request, "staff/device.html", {"nav": "devices", "node": node, "batches": batches})


@router.post("/devices/{code}/revoke", dependencies=[Depends(returns_to("/staff/devices/{code}", "actions"))])
def revoke(request: Request, ctx: StaffContext, code: NodeCode, confirm: Annotated[bool, Form()] = False) -> Response:
    """利用停止: the node's next request is refused; what it has not sent stays on the van. Final, so
    the form asks to confirm (a checkbox: the pages work without JavaScript)."""
    if not confirm:
        raise InvalidInput(
            "confirm_revocation",
            "利用停止は元に戻せません。確認のチェックを入れてから、もう一度押してください。",
            "Tick the confirmation first: revocation is final.",
        )
    node = retrying(ctx.session, lambda: revoke_node(ctx, code))
    message = Flash(f"端末「{node.code}」を利用停止にしました。次回以降の同期は拒否されます。", "info", "actions")
    return redirect(request, f"/staff/devices/{node.code}", [message])


@router.post("/devices/{code}/code", dependencies=[Depends(returns_to("/staff/devices/{code}", "actions"))])
def new_code(request: Request, ctx: StaffContext, code: NodeCode) -> Response:
    """再登録・鍵の更新: a new one-time code; the laptop enrols again with a fresh key pair."""
    enrolment = retrying(ctx.session, lambda: new_enrolment_code(ctx, code))
    context = {"nav": "devices", "enrolment": enrolment, "back": f"/staff/devices/{enrolment.node}"}
    return render(request, "staff/enrolment.html", context)
