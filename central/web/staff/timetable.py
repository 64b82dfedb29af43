"""時刻表の管理, admins only (docs/routes.md): routes and their rules, stops, the van serving a route,
cancelled visits, copies to load, and statistics per stop and visit. Each form is one service call;
a refusal comes back to the form's section with its message."""

from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import Response

from central.errors import InvalidInput
from central.models import CancelReason, RuleKind
from central.retry import retrying
from central.services import routes
from central.services.route_stats import route_stats
from central.services.timetable_rules import WEEKDAYS_JA, Rule
from central.services.timetable_views import route_page, stop_place, timetable_page
from central.web.errors import returns_to
from central.web.rendering import redirect
from central.web.security.flash import Flash
from central.web.staff.deps import StaffContext, require_admin
from central.web.staff.rendering import render
from central.web.staff.route import StaffRoute

router = APIRouter(prefix="/staff", route_class=StaffRoute, dependencies=[Depends(require_admin)])
Code = Annotated[str, Path(min_length=1, max_length=32)]
Text = Annotated[str, Form(max_length=300)]
DayText = Annotated[str, Form(max_length=10)]
RULE_LABELS = {RuleKind.WEEKLY: "毎週", RuleKind.EVERY_N_WEEKS: "N週ごと", RuleKind.MONTHLY: "毎月第N曜日"}
REASON_LABELS = {CancelReason.HOLIDAY: "休館日・祝日", CancelReason.BREAKDOWN: "車両故障", CancelReason.OTHER: "その他"}
CHOICES = {"rule_labels": RULE_LABELS, "reason_labels": REASON_LABELS, "weekdays": WEEKDAYS_JA}


def _day(text: str) -> date:
    """A date from a form's <input type=date>."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("bad_date", "日付を正しく入力してください。", "Enter a valid date.") from None


def _to_route(request: Request, code: str, text: str, section: str) -> Response:
    """Back to the route's page, with `text` shown in its `section`."""
    return redirect(request, f"/staff/routes/{code}", [Flash(text, "info", section)])


def _rule(kind: RuleKind, weekday: int, starts: str, every: int, nth: int, until: str) -> Rule:
    ends = _day(until) if until.strip() else None
    return Rule(kind, weekday, _day(starts), every, nth if kind is RuleKind.MONTHLY else None, ends)


@router.get("/routes")
def overview(request: Request, ctx: StaffContext) -> Response:
    """巡回コース・ステーション・積み込み待ちの資料."""
    page = timetable_page(ctx.session, ctx.today)
    return render(request, "staff/routes.html", {"nav": "routes", "page": page, "today": ctx.today, **CHOICES})


@router.post("/routes", dependencies=[Depends(returns_to("/staff/routes", "new-route"))])
def create(
    request: Request,
    ctx: StaffContext,
    code: Text,
    name: Text,
    van: Text,
    rule_kind: Annotated[RuleKind, Form()],
    weekday: Annotated[int, Form(ge=0, le=6)],
    starts: DayText,
    every: Annotated[int, Form(ge=1, le=12)] = 1,
    nth: Annotated[int, Form(ge=-1, le=5)] = 1,
    until: DayText = "",
) -> Response:
    rule = _rule(rule_kind, weekday, starts, every, nth, until)
    bookmobile = routes.van_by_code(ctx.session, van)
    route = retrying(ctx.session, lambda: routes.create_route(ctx, code, name, bookmobile, rule))
    message = Flash(f"巡回コース「{route.name}」を登録しました。ステーションを追加してください。", "info", "stops")
    return redirect(request, f"/staff/routes/{route.code}", [message])


@router.get("/routes/stats")
def stats(
    request: Request,
    ctx: StaffContext,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """利用統計: per stop (with a bar chart of the activity per visit) and per visit."""
    end = last or ctx.today
    start = first or end - timedelta(weeks=12)
    report = route_stats(ctx.session, start, end)
    return render(request, "staff/route_stats.html", {"nav": "routes", "report": report})


@router.get("/routes/{code}")
def detail(request: Request, ctx: StaffContext, code: Code) -> Response:
    """A route: its rule, its stops and time windows, the coming visits (to cancel or restore)."""
    page = route_page(ctx.session, code, ctx.today)
    return render(request, "staff/route.html", {"nav": "routes", "page": page, **CHOICES})


@router.post("/routes/{code}", dependencies=[Depends(returns_to("/staff/routes/{code}", "rule"))])
def edit(
    request: Request,
    ctx: StaffContext,
    code: Code,
    name: Text,
    rule_kind: Annotated[RuleKind, Form()],
    weekday: Annotated[int, Form(ge=0, le=6)],
    starts: DayText,
    every: Annotated[int, Form(ge=1, le=12)] = 1,
    nth: Annotated[int, Form(ge=-1, le=5)] = 1,
    until: DayText = "",
) -> Response:
    route = routes.route_by_code(ctx.session, code)
    rule = _rule(rule_kind, weekday, starts, every, nth, until)
    retrying(ctx.session, lambda: routes.edit_route(ctx, route, name, rule))
    return _to_route(request, code, "巡回の規則を更新しました。", "rule")


@router.post("/routes/{code}/van", dependencies=[Depends(returns_to("/staff/routes/{code}", "van"))])
def assign(request: Request, ctx: StaffContext, code: Code, van: Text) -> Response:
    route, bookmobile = routes.route_by_code(ctx.session, code), routes.van_by_code(ctx.session, van)
    retrying(ctx.session, lambda: routes.assign_van(ctx, route, bookmobile))
    return _to_route(request, code, "担当の移動図書館を変更しました。", "van")


@router.post("/routes/{code}/stops", dependencies=[Depends(returns_to("/staff/routes/{code}", "stops"))])
def attach(
    request: Request,
    ctx: StaffContext,
    code: Code,
    stop: Text,
    arrives: Annotated[time, Form()],
    departs: Annotated[time, Form()],
) -> Response:
    route, place = routes.route_by_code(ctx.session, code), routes.stop_by_code(ctx.session, stop)
    retrying(ctx.session, lambda: routes.attach_stop(ctx, route, place, arrives, departs))
    return _to_route(request, code, "ステーションの時刻を登録しました。", "stops")


@router.post("/routes/{code}/stops/{stop}/detach", dependencies=[Depends(returns_to("/staff/routes/{code}", "stops"))])
def detach(request: Request, ctx: StaffContext, code: Code, stop: Code) -> Response:
    route, place = routes.route_by_code(ctx.session, code), routes.stop_by_code(ctx.session, stop)
    retrying(ctx.session, lambda: routes.detach_stop(ctx, route, place))
    return _to_route(request, code, "ステーションを外しました。", "stops")


@router.post("/routes/{code}/cancel", dependencies=[Depends(returns_to("/staff/routes/{code}", "visits"))])
def cancel(
    request: Request,
    ctx: StaffContext,
    code: Code,
    day: DayText,
    reason: Annotated[CancelReason, Form()],
    stop: Text = "",
    note: Text = "",
) -> Response:
    """運休: a holiday or a breakdown; the holds waiting on the van get their visits counted again."""
    route = routes.route_by_code(ctx.session, code)
    where = routes.stop_by_code(ctx.session, stop) if stop else None
    when = _day(day)
    outcome = retrying(ctx.session, lambda: routes.cancel_visit(ctx, route, when, reason, note, where))
    text = "運休にしました。"
    if outcome.holds_waiting:
        text += f" 車両で受取待ちの予約が{outcome.holds_waiting}件あります。利用者へ連絡してください。"
    return _to_route(request, code, text, "visits")


@router.post("/routes/{code}/restore", dependencies=[Depends(returns_to("/staff/routes/{code}", "visits"))])
def restore(request: Request, ctx: StaffContext, code: Code, day: DayText, stop: Text = "") -> Response:
    route, when = routes.route_by_code(ctx.session, code), _day(day)
    where = routes.stop_by_code(ctx.session, stop) if stop else None
    retrying(ctx.session, lambda: routes.restore_visit(ctx, route, when, where))
    return _to_route(request, code, "運休を取り消しました。", "visits")


@router.post("/stops", dependencies=[Depends(returns_to("/staff/routes", "new-stop"))])
def create_stop(
    request: Request, ctx: StaffContext, code: Text, name: Text, van: Text, name_reading: Text = "", address: Text = ""
) -> Response:
    form = routes.StopForm(name, name_reading, address)
    bookmobile = routes.van_by_code(ctx.session, van)
    stop = retrying(ctx.session, lambda: routes.create_stop(ctx, bookmobile, code, form))
    return redirect(
        request, "/staff/routes", [Flash(f"ステーション「{stop.name}」を登録しました。", "info", "new-stop")]
    )


@router.get("/stops/{code}")
def stop_page(request: Request, ctx: StaffContext, code: Code) -> Response:
    return render(request, "staff/stop.html", {"nav": "routes", "stop": stop_place(ctx.session, code)})


@router.post("/stops/{code}", dependencies=[Depends(returns_to("/staff/stops/{code}", "edit"))])
def edit_stop(
    request: Request, ctx: StaffContext, code: Code, name: Text, name_reading: Text = "", address: Text = ""
) -> Response:
    place, form = routes.stop_by_code(ctx.session, code), routes.StopForm(name, name_reading, address)
    retrying(ctx.session, lambda: routes.edit_stop(ctx, place, form))
    return redirect(request, f"/staff/stops/{code}", [Flash("ステーションを更新しました。", "info", "edit")])
