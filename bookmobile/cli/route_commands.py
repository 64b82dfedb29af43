"""Commands for the route: `route` (the day's stops), `load` (hold copies onto the van), and the
answer `holds --card` gives a patron at the counter (docs/routes.md)."""

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from bookmobile.cli.context import AppContext, state
from bookmobile.cli.desk_commands import fail_if_any, for_each_barcode
from bookmobile.desk.routes import HoldAnswer, LoadLine, Whereabouts, load, patron_holds, route_of_day, to_load
from bookmobile.messages import text
from bookmobile.store.timetable import StopHold, VisitView

_WHERE_KEYS = {
    Whereabouts.HERE: "where_here",
    Whereabouts.ON_VAN: "where_on_van",
    Whereabouts.TO_LOAD: "where_to_load",
    Whereabouts.QUEUED: "where_queued",
    Whereabouts.HANDED_OVER: "where_handed_over",
}


def register(app: typer.Typer) -> None:
    app.command("route")(route_command)
    app.command("load")(load_command)


def visit_text(visit: VisitView | None, lang: str) -> str:
    """A visit as staff read it (2026-06-16 10:00〜10:40), or a note that none is planned."""
    if visit is None:
        return text("visit_unknown", lang)
    return text("visit_at", lang, day=visit.day.isoformat(), starts=visit.starts, ends=visit.ends)


def route_command(
    ctx: typer.Context,
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="表示する日(既定: 今日)。 The day to show (default: today)."),
    ] = None,
) -> None:
    """今日の巡回(停車場所と時刻、現在地)。 Show the day's stops from the timetable and the current one."""
    app = state(ctx)
    with app.open_node() as node:
        plan = route_of_day(node, day.date() if day else None)
    lang = app.lang
    if not plan.visits:
        app.out.print(text("route_none", lang, day=plan.day.isoformat()))
    else:
        table = Table(title=text("route_title", lang, day=plan.day.isoformat()))
        for key in ("route_col_time", "route_col_stop", "route_col_route"):
            table.add_column(text(key, lang))
        table.add_column("")
        for v in plan.visits:
            note = text("route_cancelled", lang) if v.cancelled else ""
            if v.stop_code == plan.current_stop:
                note = f"{note} {text('route_current', lang)}".strip()
            table.add_row(f"{v.starts}-{v.ends}", f"{v.stop_name} ({v.stop_code})", v.route_code, note)
        app.out.print(table)
    if plan.next_day is not None:
        app.out.print(text("route_next_day", lang, day=plan.next_day.isoformat()))
    elif not plan.visits:
        app.out.print(text("route_no_timetable", lang))


def load_command(
    ctx: typer.Context,
    barcodes: Annotated[
        list[str] | None,
        typer.Argument(help="積み込む資料のバーコード(省略すると一覧)。 Barcodes loaded (none: list what to load)."),
    ] = None,
) -> None:
    """予約資料を車両に積み込む(本館で)。 Record hold copies as loaded onto the van, or list them."""
    app = state(ctx)
    with app.open_node() as node:
        if not barcodes:
            _print_to_load(app, to_load(node))
            return
        lines = for_each_barcode(app, barcodes, lambda b: load(node, b), lambda line: _print_loaded(app, line))
    fail_if_any(barcodes, lines)


def _print_loaded(app: AppContext, line: LoadLine) -> None:
    visit = visit_text(line.visit, app.lang)
    app.out.print(text("loaded", app.lang, barcode=line.barcode, title=line.title, stop=line.stop_name, visit=visit))


def _print_to_load(app: AppContext, rows: list[tuple[StopHold, VisitView | None]]) -> None:
    lang = app.lang
    if not rows:
        app.out.print(text("to_load_none", lang))
        return
    table = Table(title=text("to_load_title", lang))
    for key in ("holds_col_barcode", "holds_col_title", "holds_col_stop", "to_load_col_visit"):
        table.add_column(text(key, lang))
    for hold, visit in rows:
        table.add_row(hold.barcode, hold.title, hold.stop_name, visit_text(visit, lang))
    app.out.print(table)


def print_patron_holds(app: AppContext, card: str) -> None:
    """`holds --card`: where each of the patron's holds is, and when it comes."""
    with app.open_node() as node:
        patron, answers = patron_holds(node, card)
    lang = app.lang
    if not answers:
        app.out.print(text("card_holds_none", lang, name=patron.name))
        return
    app.out.print(text("card_holds_title", lang, name=patron.name))
    for answer in answers:
        app.out.print(f"- {answer.hold.title}: {_where(answer, patron.card_number, lang)}")


def _where(answer: HoldAnswer, card: str, lang: str) -> str:
    hold = answer.hold
    return text(
        _WHERE_KEYS[answer.where],
        lang,
        card=card,
        barcode=hold.barcode,
        stop=hold.stop_name,
        visit=visit_text(answer.visit, lang),
    )
