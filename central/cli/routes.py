"""`central route ...`: the bookmobiles' timetable - routes and their rules, stops, cancelled visits,
copies to load and statistics. Thin commands over `central.services.routes` and its read models;
errors reach `central.cli.main` (docs/routes.md)."""

from datetime import datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from central.cli.staff import operator_context
from central.errors import InvalidInput
from central.models import CancelReason, RuleKind
from central.services import routes
from central.services.context import transaction
from central.services.route_stats import COLUMNS, route_stats
from central.services.stop_holds import copies_to_load
from central.services.timetable import route_summaries, rule_of, visits
from central.services.timetable_rules import Rule, parse_weekday
from sync_protocol.timezone import tokyo_date, utc_now

route_app = typer.Typer(help="Bookmobile routes, stops and timetables (docs/routes.md).", no_args_is_help=True)
stop_app = typer.Typer(help="Stops (ステーション): create, edit, put on or take off a route.", no_args_is_help=True)
route_app.add_typer(stop_app, name="stop")

Day = Annotated[datetime, typer.Argument(formats=["%Y-%m-%d"], help="The day, YYYY-MM-DD.")]
RouteCode = Annotated[str, typer.Argument(help="Route code.")]
StopCode = Annotated[str, typer.Argument(help="Stop code.")]
COLUMN_LABELS = {"lends": "貸出", "returns": "返却", "registrations": "登録", "hand_overs": "予約受渡"}
REASON_HELP = "holiday (休館日), breakdown (故障) or other."


def _time_window(text: str) -> tuple[time, time]:
    """ "10:00-10:40" as two times."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.replace("〜", "-").split("-"))
    except ValueError:
        raise InvalidInput(
            "bad_window", f"時間帯「{text}」は 10:00-10:40 の形で指定してください。", "Use HH:MM-HH:MM."
        ) from None
    return start, end


def _rule(kind: RuleKind, weekday: str, starts: datetime, every: int, nth: int | None, ends: datetime | None) -> Rule:
    return Rule(kind, parse_weekday(weekday), starts.date(), every, nth, ends.date() if ends else None)


@route_app.command("list", help="List the routes: van, rule, stops and their time windows.")
def list_routes() -> None:
    with operator_context() as ctx, transaction(ctx.session):
        summaries = route_summaries(ctx.session)
    table = Table("code", "name", "van", "rule", "stops")
    for r in summaries:
        stops = ", ".join(f"{s.name} {s.window}" for s in r.stops)
        table.add_row(r.code, r.name, r.van_code, r.rule.describe(), stops)
    Console().print(table)


@route_app.command("add", help="Create a route served by a van, running on the days of a rule.")
def add(
    code: Annotated[str, typer.Argument(help="Route code, e.g. BM1-A.")],
    name: Annotated[str, typer.Option(help="Name shown to staff and patrons, e.g. 火曜コース.")],
    weekday: Annotated[str, typer.Option(help="Weekday it runs: mon..sun or 月..日.")],
    starts: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day the rule applies.")],
    van: Annotated[str, typer.Option(help="Location code of the van that serves it.")] = "BM1",
    rule: Annotated[RuleKind, typer.Option(help="weekly, every_n_weeks or monthly (nth weekday).")] = RuleKind.WEEKLY,
    every: Annotated[int, typer.Option(help="every_n_weeks: the number of weeks (2 = every other week).")] = 1,
    nth: Annotated[int | None, typer.Option(help="monthly: which weekday of the month, 1-5 or -1 (last).")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day (none: open).")] = None,
) -> None:
    with operator_context() as ctx:
        made = routes.create_route(
            ctx, code, name, routes.van_by_code(ctx.session, van), _rule(rule, weekday, starts, every, nth, until)
        )
    Console().print(f"巡回コース {made.code} を登録しました: {rule_of(made).describe()} (route added)")


@route_app.command("edit", help="Change a route's name or rule; options left out keep their value.")
def edit(
    code: RouteCode,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    weekday: Annotated[str | None, typer.Option(help="New weekday: mon..sun or 月..日.")] = None,
    starts: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="New first day.")] = None,
    rule: Annotated[RuleKind | None, typer.Option(help="weekly, every_n_weeks or monthly.")] = None,
    every: Annotated[int | None, typer.Option(help="every_n_weeks: the number of weeks.")] = None,
    nth: Annotated[int | None, typer.Option(help="monthly: 1-5 or -1 (last).")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day the route runs.")] = None,
) -> None:
    with operator_context() as ctx:
        route = routes.route_by_code(ctx.session, code)
        old = rule_of(route)
        new = Rule(
            rule or old.kind,
            parse_weekday(weekday) if weekday else old.weekday,
            starts.date() if starts else old.starts_on,
            every if every is not None else old.interval_weeks,
            nth if nth is not None else old.nth,
            until.date() if until else old.ends_on,
        )
        route = routes.edit_route(ctx, route, name or route.name, new)
    Console().print(f"巡回コース {route.code}: {new.describe()} (route updated)")


@route_app.command("assign", help="Let another van serve a route (its stops move with it).")
def assign(
    code: RouteCode,
    van: Annotated[str, typer.Option(help="Location code of the van.")],
) -> None:
    with operator_context() as ctx:
        routes.assign_van(ctx, routes.route_by_code(ctx.session, code), routes.van_by_code(ctx.session, van))
    Console().print(f"巡回コース {code} は {van} が担当します (van assigned)")


@route_app.command("visits", help="List the visits of the coming weeks, cancelled ones marked.")
def list_visits(
    route: Annotated[str | None, typer.Option(help="Only this route.")] = None,
    stop: Annotated[str | None, typer.Option(help="Only this stop (code).")] = None,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="How many weeks ahead.")] = 4,
) -> None:
    today = tokyo_date(utc_now())
    with operator_context() as ctx, transaction(ctx.session):
        route_ids = [routes.route_by_code(ctx.session, route).id] if route else None
        stop_ids = [routes.stop_by_code(ctx.session, stop).id] if stop else None
        found = visits(ctx.session, today, today + timedelta(weeks=weeks), route_ids=route_ids, stop_ids=stop_ids)  # type: ignore[arg-type]
    table = Table("day", "time", "stop", "route", "")
    for v in found:
        note = f"運休 ({v.reason}) {v.note}".strip() if v.cancelled else ""
        table.add_row(f"{v.day:%Y-%m-%d %a}", v.window, f"{v.stop_name} ({v.stop_code})", v.route_code, note)
    Console().print(table)


@route_app.command("cancel", help="Cancel a visit (holiday, breakdown): the whole route that day, or one stop.")
def cancel(
    code: RouteCode,
    day: Day,
    reason: Annotated[CancelReason, typer.Option(help=REASON_HELP)] = CancelReason.HOLIDAY,
    note: Annotated[str, typer.Option(help="A note for staff and the patrons' pages.")] = "",
    stop: Annotated[str | None, typer.Option(help="Only this stop (code); default: the whole route.")] = None,
) -> None:
    with operator_context() as ctx:
        route = routes.route_by_code(ctx.session, code)
        where = routes.stop_by_code(ctx.session, stop) if stop else None
        outcome = routes.cancel_visit(ctx, route, day.date(), reason, note, where)
    Console().print(f"{day:%Y-%m-%d} の巡回 {code} を運休にしました (visit cancelled)")
    if outcome.holds_waiting:
        Console().print(f"[yellow]車両で受取待ちの予約 {outcome.holds_waiting} 件: 利用者へ連絡してください。[/]")


@route_app.command("restore", help="Undo a cancellation: the visit takes place after all.")
def restore(
    code: RouteCode,
    day: Day,
    stop: Annotated[str | None, typer.Option(help="The stop, if only one stop was cancelled.")] = None,
) -> None:
    with operator_context() as ctx:
        route = routes.route_by_code(ctx.session, code)
        routes.restore_visit(ctx, route, day.date(), routes.stop_by_code(ctx.session, stop) if stop else None)
    Console().print(f"{day:%Y-%m-%d} の巡回 {code} を元に戻しました (visit restored)")


@route_app.command("to-load", help="Copies caught for holds at stops, waiting at the library to be loaded.")
def to_load(van: Annotated[str | None, typer.Option(help="Only this van (location code).")] = None) -> None:
    today = tokyo_date(utc_now())
    with operator_context() as ctx, transaction(ctx.session):
        van_id = routes.van_by_code(ctx.session, van).id if van else None
        rows = copies_to_load(ctx.session, today, van_id)
    table = Table("barcode", "title", "stop", "visit", "now at")
    for row in rows:
        visit = f"{row.visit.day:%Y-%m-%d} {row.visit.window}" if row.visit else "-"
        table.add_row(row.barcode, row.title, row.stop_name, visit, row.now_at)
    Console().print(table)


@route_app.command("stats", help="Lends, returns, registrations and holds handed over per stop and visit.")
def stats(
    first: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (default: 12 weeks ago).")
    ] = None,
    last: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (default: today).")
    ] = None,
    stop: Annotated[str | None, typer.Option(help="Only this stop (code).")] = None,
) -> None:
    end = last.date() if last else tokyo_date(utc_now())
    start = first.date() if first else end - timedelta(weeks=12)
    with operator_context() as ctx, transaction(ctx.session):
        report = route_stats(ctx.session, start, end, stop)
    console = Console()
    table = Table("stop", "visits", *(COLUMN_LABELS[c] for c in COLUMNS), "per visit", title=f"{start} - {end}")
    for s in report.stops:
        table.add_row(s.stop_name, str(s.visits), *(str(s.counts[c]) for c in COLUMNS), f"{s.per_visit:.1f}")
    console.print(table)
    console.print("1回あたりの件数 (per visit)")
    for s in report.stops:
        bar = "█" * round(20 * s.per_visit / report.busiest_stop) if report.busiest_stop else ""
        console.print(f"  {s.stop_name}  {bar} {s.per_visit:.1f}", soft_wrap=True)
    detail = Table("day", "stop", "time", *(COLUMN_LABELS[c] for c in COLUMNS))
    for v in report.visits:
        when = "運休" if v.cancelled else v.window or "(時刻表外)"
        detail.add_row(f"{v.day:%Y-%m-%d}", v.stop_name, when, *(str(v.counts[c]) for c in COLUMNS))
    console.print(detail)


@stop_app.command("create", help="Create a stop served by a van (name, reading and address for patrons).")
def stop_create(
    code: Annotated[str, typer.Argument(help="Stop code, e.g. BM1-S05.")],
    name: Annotated[str, typer.Option(help="Name, e.g. 大山公民館.")],
    van: Annotated[str, typer.Option(help="Location code of the van that serves it.")] = "BM1",
    reading: Annotated[str, typer.Option(help="Reading of the name in kana.")] = "",
    address: Annotated[str, typer.Option(help="Address shown to patrons.")] = "",
) -> None:
    with operator_context() as ctx:
        made = routes.create_stop(
            ctx, routes.van_by_code(ctx.session, van), code, routes.StopForm(name, reading, address)
        )
    Console().print(f"ステーション {made.code} {made.name} を登録しました (stop created)")


@stop_app.command("edit", help="Correct a stop's name, reading or address (the code stays).")
def stop_edit(
    code: StopCode,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    reading: Annotated[str | None, typer.Option(help="New reading.")] = None,
    address: Annotated[str | None, typer.Option(help="New address.")] = None,
) -> None:
    with operator_context() as ctx:
        stop = routes.stop_by_code(ctx.session, code)
        form = routes.StopForm(
            name or stop.name,
            stop.name_reading if reading is None else reading,
            stop.address if address is None else address,
        )
        routes.edit_stop(ctx, stop, form)
    Console().print(f"ステーション {code} を更新しました (stop updated)")


@stop_app.command("attach", help="Put a stop on a route with the van's time window there (or change it).")
def stop_attach(
    route: RouteCode,
    stop: StopCode,
    at: Annotated[str, typer.Option(help="Time window, e.g. 10:00-10:40.")],
) -> None:
    arrives, departs = _time_window(at)
    with operator_context() as ctx:
        on = routes.route_by_code(ctx.session, route)
        routes.attach_stop(ctx, on, routes.stop_by_code(ctx.session, stop), arrives, departs)
    Console().print(f"{route}: {stop} {arrives:%H:%M}-{departs:%H:%M} (stop on route)")


@stop_app.command("detach", help="Take a stop off a route.")
def stop_detach(
    route: RouteCode,
    stop: StopCode,
) -> None:
    with operator_context() as ctx:
        routes.detach_stop(ctx, routes.route_by_code(ctx.session, route), routes.stop_by_code(ctx.session, stop))
    Console().print(f"{route}: {stop} を外しました (stop taken off)")
