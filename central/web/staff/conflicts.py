"""競合の管理 (B5), admins only: the queue with its filters, a conflict's detail with both sides'
facts and the decisions that fit its kind, and taking a decision."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import Response

from central.retry import retrying
from central.staff.conflict_queue import STATUS_FILTERS, QueueFilter, conflict_detail, list_conflicts, queue_choices
from central.staff.devices import Enrolment
from central.staff.labels import STATUS_FILTER_LABELS
from central.sync.resolution import Action, Decision, decide
from central.web.deps import MAX_ID
from central.web.errors import returns_to
from central.web.rendering import redirect
from central.web.security.flash import Flash
from central.web.staff.deps import StaffContext, require_admin
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute

router = APIRouter(prefix="/staff", route_class=StaffRoute, dependencies=[Depends(require_admin)])
ConflictId = Annotated[int, Path(ge=1, le=MAX_ID)]
AGE_CHOICES = {0: "すべて", 1: "1日以上前", 3: "3日以上前", 7: "7日以上前", 30: "30日以上前"}
Text = Annotated[str, Form(max_length=200)]
OptionalId = Annotated[int | None, Form(ge=1, le=MAX_ID)]


@router.get("/conflicts")
def queue(
    request: Request,
    ctx: StaffContext,
    kind: Annotated[str, Query(max_length=40)] = "",
    node: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=16)] = "open",
    older_than_days: Annotated[int, Query(ge=0, le=3650)] = 0,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """競合一覧: oldest first, filtered by kind, node, status and age."""
    flt = QueueFilter(kind, node, status if status in STATUS_FILTERS else "open", older_than_days, offset)
    rows, total = list_conflicts(ctx, flt)
    kinds, nodes = queue_choices(ctx)
    context = {
        "nav": "conflicts",
        "rows": rows,
        "total": total,
        "filter": flt,
        "kinds": kinds,
        "nodes": nodes,
        "status_choices": STATUS_FILTER_LABELS,
        "age_choices": AGE_CHOICES,
    }
    return render(request, "staff/conflicts.html", context)


@router.get("/conflicts/{conflict_id}")
def detail(request: Request, ctx: StaffContext, conflict_id: ConflictId) -> Response:
    """競合の詳細: the van's facts, central's facts, the default taken, the decisions that fit."""
    return render(request, "staff/conflict.html", {"nav": "conflicts", "c": conflict_detail(ctx, conflict_id)})


@router.post(
    "/conflicts/{conflict_id}/decide", dependencies=[Depends(returns_to("/staff/conflicts/{conflict_id}", "decision"))]
)
def take_decision(
    request: Request,
    ctx: StaffContext,
    conflict_id: ConflictId,
    action: Annotated[Action, Form()],
    reason: Text = "",
    barcode: Annotated[str, Form(max_length=32)] = "",
    card_number: Annotated[str, Form(max_length=32)] = "",
    keep_patron_id: OptionalId = None,
    drop_patron_id: OptionalId = None,
) -> Response:
    """One decision, one transaction; a re-enrolment's one-time code is shown on this response only."""
    decision = Decision(action, reason, barcode or None, card_number or None, keep_patron_id, drop_patron_id)
    result = retrying(ctx.session, lambda: decide(ctx, conflict_id, decision))
    if result.enrolment is not None:
        issued = result.enrolment
        assert issued.node.enrol_expires_at is not None
        enrolment = Enrolment(issued.node.code, issued.code, issued.node.enrol_expires_at, "")
        context = {"nav": "conflicts", "enrolment": enrolment, "back": f"/staff/conflicts/{conflict_id}"}
        return render(request, "staff/enrolment.html", context)
    text = f"処理しました:{result.conflict.resolution}"
    if result.raised:
        text += (
            " 適用時に見つかった不一致を、競合 " + "、".join(f"#{n}" for n in result.raised) + " として記録しました。"
        )
    message = Flash(text, "info", "decision")
    return redirect(request, f"/staff/conflicts/{conflict_id}", [message])
