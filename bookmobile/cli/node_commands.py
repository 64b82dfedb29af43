"""Commands that set the node up and report on it: init, snapshot, stop, status, holds."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bookmobile.cli.context import AppContext, state
from bookmobile.cli.route_commands import print_patron_holds
from bookmobile.desk.setup import load_snapshot, read_snapshot_file, set_stop
from bookmobile.messages import text
from bookmobile.node import init_node
from bookmobile.status import NodeStatus, node_status
from bookmobile.store import meta
from bookmobile.store.connection import reading
from bookmobile.store.local_view import holds_at_stop
from bookmobile.store.snapshot_tables import stops
from sync_protocol.timezone import TOKYO

snapshot_app = typer.Typer(help="本館からのデータ(スナップショット)。 The snapshot from central.", no_args_is_help=True)
stop_app = typer.Typer(help="停車場所。 The stop the van is at.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)
    app.command("holds")(holds)
    app.add_typer(snapshot_app, name="snapshot")
    app.add_typer(stop_app, name="stop")


def init(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(help="本館で登録された車両ID(例: van-1)。 The node id given by central.")],
    epoch: Annotated[
        int, typer.Option(min=1, help="本館が指定したエポック(再登録時)。 The epoch central gave (re-enrolment).")
    ] = 1,
) -> None:
    """この端末を車両として初期化する。 Create the node's database for NODE_ID."""
    app = state(ctx)
    with init_node(app.settings, node_id, epoch=epoch) as node:
        app.out.print(text("initialised", app.lang, node_id=node.node_id, path=app.settings.database_path))


@snapshot_app.command("load")
def snapshot_load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="スナップショットのJSONファイル。 The snapshot JSON file.")],
) -> None:
    """スナップショットを読み込み、前のものと置き換える(車両での変更は保持)。

    Replace the snapshot from central, keeping the van's own changes since.
    """
    app = state(ctx)
    snapshot = read_snapshot_file(file)
    with app.open_node() as node:
        loaded = load_snapshot(node, snapshot)
    app.out.print(text("snapshot_loaded", app.lang, **vars(loaded)))


@stop_app.command("set")
def stop_set(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="停車場所コード。 The stop's code.")],
) -> None:
    """現在の停車場所を設定する(以後の操作に記録される)。 Set the stop new actions are credited to."""
    app = state(ctx)
    with app.open_node() as node:
        stop = set_stop(node, code)
    app.out.print(text("stop_set", app.lang, name=stop.name, code=stop.code))


@stop_app.command("list")
def stop_list(ctx: typer.Context) -> None:
    """この車両の停車場所の一覧。 List this van's stops."""
    app = state(ctx)
    with app.open_node() as node, reading(node.conn) as conn:
        node.snapshot()
        current = meta.get(conn, meta.CURRENT_STOP)
        for stop in stops(conn):
            app.out.print(f"{'*' if stop.code == current else ' '} {stop.code}  {stop.name}")


def status(ctx: typer.Context) -> None:
    """未送信の操作・最後の同期・スナップショットの経過時間・停車場所・時計のずれを表示。 Show the node's status."""
    app = state(ctx)
    with app.open_node() as node:
        report = node_status(node)
    _print_status(app, report)


def _print_status(app: AppContext, s: NodeStatus) -> None:
    lang = app.lang
    never, none = text("status_never", lang), text("status_none", lang)
    table = Table(title=text("status_title", lang), show_header=False)
    rows = [
        ("status_node", f"{s.node_id} / {s.epoch}"),
        ("status_pending", str(s.pending_operations)),
        ("status_total", str(s.total_operations)),
        ("status_oldest", _when(s.oldest_pending_at) if s.oldest_pending_at else none),
        ("status_last_sync", _when(s.last_sync_at) if s.last_sync_at else never),
        ("status_snapshot", _when(s.snapshot_generated_at) if s.snapshot_generated_at else none),
        ("status_snapshot_age", _duration(s.snapshot_age, lang) if s.snapshot_age is not None else none),
        ("status_stop", f"{s.current_stop_name} ({s.current_stop})" if s.current_stop else none),
        (
            "status_clock_offset",
            f"{s.clock_offset_ms} ms" if s.clock_offset_ms is not None else text("status_not_measured", lang),
        ),
        ("status_cards_left", str(s.card_numbers_left)),
        ("status_schema", str(s.schema_version)),
    ]
    for key, value in rows:
        table.add_row(text(key, lang), value)
    app.out.print(table)
    if s.clock_behind_snapshot:
        app.err.print(text("status_clock_warning", lang), style="bold yellow")


def _when(moment: datetime) -> str:
    """An instant as staff read it: Tokyo time."""
    return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")


def _duration(age: timedelta, lang: str) -> str:
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return text("days", lang, days=days, hours=hours) if days else text("hours", lang, hours=hours, minutes=minutes)


def holds(
    ctx: typer.Context,
    all_stops: Annotated[bool, typer.Option("--all", help="全停車場所の予約を表示。 Show every stop's holds.")] = False,
    card: Annotated[
        str | None,
        typer.Option(
            "--card", help="この利用者の予約の所在と届く日。 Where this patron's holds are, and when they come."
        ),
    ] = None,
) -> None:
    """この停車場所で受け渡す予約の一覧。 List the holds to hand over at the current stop."""
    app = state(ctx)
    if card is not None:
        print_patron_holds(app, card)
        return
    lang = app.lang
    with app.open_node() as node, reading(node.conn) as conn:
        node.snapshot()
        stop = None if all_stops else meta.get(conn, meta.CURRENT_STOP)
        rows = holds_at_stop(conn, stop)
    table = Table(title=text("holds_all_title" if stop is None else "holds_title", lang))
    for key in ("holds_col_card", "holds_col_barcode", "holds_col_title", "holds_col_stop", "holds_col_deadline"):
        table.add_column(text(key, lang))
    table.add_column(text("holds_col_state", lang))
    for h in rows:
        state_key = "holds_done" if h.handed_over else "holds_waiting"
        table.add_row(
            h.card_number, h.barcode, h.title, h.stop_code, str(h.pickup_deadline or "-"), text(state_key, lang)
        )
    app.out.print(table)
