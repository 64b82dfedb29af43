"""`central nightly`, `central scheduler`, `central notices ...`: thin commands over `central.nightly`."""

import logging
import signal
from datetime import datetime
from typing import Annotated

import typer
from apscheduler.schedulers.blocking import BlockingScheduler
from rich.console import Console
from rich.table import Table

from central.db import make_engine, migrate, new_session
from central.nightly.errors import NightlyFailed
from central.nightly.job import STEPS, NightlyReport, run_nightly
from central.nightly.scheduler import schedule_nightly
from central.nightly.staff_list import mark_contacted, staff_list
from central.settings import Settings
from sync_protocol.timezone import TOKYO, utc_now

notices_app = typer.Typer(help="Notices to patrons: the staff list of those no e-mail reaches.", no_args_is_help=True)

STEP_LABELS = {
    "activate_accounts": "利用登録の有効化 (R5)",
    "expire_holds": "取置期限切れの予約",
    "hold_ready_notices": "予約資料の確保通知",
    "overdue_reminders": "督促",
    "settle_conflicts": "競合の確認期限・判断済み競合の記録の消去",
    "anonymise_loans": "貸出・予約記録の匿名化・移動図書館の操作内容の消去",
    "forget_change_log": "移動図書館向け変更履歴の消去",
    "send_mail": "メール送信",
}


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _report_table(report: NightlyReport) -> Table:
    table = Table(title=f"夜間処理 / nightly job {report.run_date:%Y-%m-%d}: {report.status}")
    table.add_column("step")
    table.add_column("counts")
    for name, _ in STEPS:
        label = STEP_LABELS.get(name, name)
        if name in report.errors:
            table.add_row(label, f"[red]{report.errors[name]}[/]")
        elif name in report.counts:
            table.add_row(label, ", ".join(f"{key} {value}" for key, value in report.counts[name].items()))
    for note in report.notes.get("send_mail", []):
        table.add_row("", f"[yellow]{note}[/]")
    return table


def nightly(
    run_date: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Business date to run for (default: today in Tokyo)."),
    ] = None,
) -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        report = run_nightly(engine, settings, run_date=run_date.date() if run_date else None)
    finally:
        engine.dispose()
    Console().print(_report_table(report))
    if report.errors:
        raise NightlyFailed.steps(sorted(report.errors))
    if report.mail_failed:
        raise NightlyFailed.mail(report.mail_failed)


def _stop(_signal: int, _frame: object) -> None:
    """SIGTERM (systemd stop) ends the scheduler like Ctrl-C: a running job finishes first."""
    raise SystemExit(0)


def scheduler() -> None:
    settings = Settings()
    _logging()
    signal.signal(signal.SIGTERM, _stop)
    engine = make_engine(settings.database_url)
    migrate(engine)
    blocking = BlockingScheduler(timezone=TOKYO)
    _, missed = schedule_nightly(blocking, engine, settings)
    console = Console()
    if missed is not None:
        console.print(f"missed run of {missed.astimezone(TOKYO):%Y-%m-%d %H:%M}: catching up now")
    console.print(f"nightly job every day at {settings.nightly_time:%H:%M} (Asia/Tokyo); Ctrl-C to stop")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        if blocking.running:
            blocking.shutdown(wait=True)
    finally:
        engine.dispose()


@notices_app.command("staff-list", help="List patrons to contact by telephone or post (no usable e-mail).")
def staff_list_command() -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with new_session(engine) as session:
            entries = staff_list(session)
    finally:
        engine.dispose()
    table = Table(title=f"連絡リスト / staff list ({len(entries)})")
    for column in ("ID", "登録日", "氏名", "利用者番号", "電話", "通知", "内容", "理由"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            str(e.notice_id), f"{e.queued_on:%m/%d}", e.patron_name, e.card_number, e.phone, e.what, e.detail, e.reason
        )
    Console().print(table)


@notices_app.command("done", help="Mark staff-list entries as handled (the patron was reached).")
def done_command(notice_ids: Annotated[list[int], typer.Argument(help="Entry IDs from the staff list.")]) -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with new_session(engine) as session:
            count = mark_contacted(session, notice_ids, utc_now())
    finally:
        engine.dispose()
    Console().print(f"{count} entr{'y' if count == 1 else 'ies'} marked as done")
