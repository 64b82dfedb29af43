"""Commands that talk to central: enrol (once) and sync (push, then pull)."""

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bookmobile.cli.context import AppContext, state
from bookmobile.messages import text
from bookmobile.node import Node
from bookmobile.sync.errors import CentralUnreachable
from bookmobile.sync.session import SyncReport, enrol, sync_once, watch


def register(app: typer.Typer) -> None:
    app.command("enrol")(enrol_command)
    app.command("sync")(sync_command)


def enrol_command(
    ctx: typer.Context,
    central: Annotated[str, typer.Option(help="本館のアドレス(例: https://library.example.jp)。 Central's URL.")],
    code: Annotated[str, typer.Option(help="管理者から受け取った登録コード。 The one-time enrolment code.")],
) -> None:
    """この端末を本館に登録する(鍵を作成し、登録コードで証明)。 Enrol this node with central."""
    app = state(ctx)
    with app.open_node() as node:
        epoch = enrol(node, app.settings, central, code.strip())
        app.out.print(text("enrolled", app.lang, node_id=node.node_id, epoch=epoch))


def sync_command(
    ctx: typer.Context,
    watch_link: Annotated[
        bool, typer.Option("--watch", help="接続できるまで定期的に再試行する。 Keep trying until the link is back.")
    ] = False,
) -> None:
    """本館と同期する(未送信の操作を送り、本館の変更を受け取る)。 Push the outbox, then pull central's changes."""
    app = state(ctx)
    with app.open_node() as node:
        if not watch_link:
            _show(app, _sync_with_progress(app, node))
            return
        interval = app.settings.sync_watch_interval_s

        def waiting(problem: CentralUnreachable) -> None:
            app.err.print(text("sync_waiting", app.lang, problem=problem.details["problem"], interval=interval))

        _show(app, watch(lambda: _sync_with_progress(app, node), interval, waiting))


def _sync_with_progress(app: AppContext, node: Node) -> SyncReport:
    columns = (TextColumn(text("sync_progress", app.lang)), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=app.err, transient=True) as progress:
        task = progress.add_task("push", total=None)
        return sync_once(
            node,
            app.settings,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def _show(app: AppContext, report: SyncReport) -> None:
    lang = app.lang
    pushed, pulled = report.pushed, report.pulled
    app.out.print(
        text(
            "sync_done",
            lang,
            sent=pushed.sent,
            batches=pushed.batches,
            wire=pushed.wire_bytes,
            offset=round(report.offset_ms / 1000, 1),
            changed=pulled.changed,
            full=text("sync_full", lang) if pulled.full else "",
        )
    )
    if pushed.outcomes:
        outcomes = ", ".join(f"{kind} {count}" for kind, count in sorted(pushed.outcomes.items()))
        app.out.print(text("sync_outcomes", lang, outcomes=outcomes))
    for seq, code, message in pushed.conflicts:
        # A batch answered again after central's night carries codes without messages.
        app.out.print(text("sync_conflict", lang, seq=seq, message=message or code))
