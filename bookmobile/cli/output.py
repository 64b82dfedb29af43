"""The one place errors become CLI output, plus receipts to screen and printer.

`render_error` is the only function that turns a BookmobileError into words on the terminal; the
root command group calls it for failures that end a command, counter mode for each failed scan.
"""

import traceback
from pathlib import Path

from rich.console import Console

from bookmobile.cli.context import AppContext
from bookmobile.errors import BookmobileError
from bookmobile.messages import text


def render_error(err: Console, error: BookmobileError, lang: str) -> None:
    """Print one error for staff: the message in their language and its stable code."""
    label = "Error" if lang == "en" else "エラー"
    err.print(f"{label} [{error.code}]: {error.message(lang)}", style="bold red")


def render_unexpected(err: Console, exc: BaseException, lang: str, data_dir: Path) -> None:
    """A bug or an unforeseen failure: a short message for staff, the traceback to a log file."""
    log = data_dir / "error.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)))
        where = str(log)
    except OSError:
        where = "-"
    err.print(text("unexpected", lang, kind=type(exc).__name__, log=where), style="bold red")


def emit_receipt(app: AppContext, receipt: str) -> None:
    """Show the receipt, and append it to the configured printer device or file, if any."""
    app.out.print(receipt)
    printer = app.settings.receipt_printer
    if printer is None:
        return
    try:
        with printer.open("a", encoding="utf-8") as handle:
            handle.write(receipt + "\n\n")
    except OSError as exc:
        app.err.print(text("printer_failed", app.lang, printer=printer, reason=exc.strerror), style="yellow")
