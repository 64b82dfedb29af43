"""Circulation commands: lend, return, renew, hand-over. Each item is its own durable action.

With several barcodes, each is committed on its own before its line is printed; one refused
item does not undo the others, and the command then exits non-zero naming how many failed.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from bookmobile.cli.context import AppContext, state
from bookmobile.cli.output import emit_receipt, render_error
from bookmobile.desk.lending import LoanLine, hand_over, lend
from bookmobile.desk.patrons import identify_patron
from bookmobile.desk.renewals import RenewLine, renew
from bookmobile.desk.returns import ReturnLine, ReturnNote, take_back
from bookmobile.errors import BookmobileError, SomeItemsFailed
from bookmobile.messages import text
from bookmobile.receipts import loan_receipt, receipt_header, renewal_receipt
from bookmobile.store.local_view import PatronView

T = TypeVar("T")

_CARD_HELP = "利用者カード番号(全角数字も可)。 The library card number (full-width digits are fine)."
_BARCODES_HELP = "資料のバーコード(複数可)。 One or more item barcodes."

_NOTE_KEYS = {
    ReturnNote.HOLD_WAITING: "return_hold_waiting",
    ReturnNote.NO_LOAN_RECORD: "return_no_loan_record",
    ReturnNote.NOT_CARRIED: "return_not_carried",
}


def register(app: typer.Typer) -> None:
    app.command("lend")(lend_command)
    app.command("return")(return_command)
    app.command("renew")(renew_command)
    app.command("hand-over")(hand_over_command)


def lend_command(
    ctx: typer.Context,
    card: Annotated[str, typer.Argument(help=_CARD_HELP)],
    barcodes: Annotated[list[str], typer.Argument(help=_BARCODES_HELP)],
) -> None:
    """貸出(R14: 予約の入った書架の資料は来館者に貸出)。 Lend items to a card holder."""
    app = state(ctx)
    with app.open_node() as node:
        patron = identify_patron(node, card)
        print_patron_line(app, patron)
        lines = for_each_barcode(
            app, barcodes, lambda b: lend(node, patron.card_number, b), lambda line: print_loan(app, line)
        )
        if lines:
            emit_receipt(app, loan_receipt(receipt_header(node), lines, app.lang))
    fail_if_any(barcodes, lines)


def return_command(
    ctx: typer.Context,
    barcodes: Annotated[list[str], typer.Argument(help=_BARCODES_HELP)],
) -> None:
    """返却(予約の入った資料は取り置きを指示)。 Take items back; says when a hold waits for one."""
    app = state(ctx)
    with app.open_node() as node:
        lines = for_each_barcode(app, barcodes, lambda b: take_back(node, b), lambda line: print_return(app, line))
    fail_if_any(barcodes, lines)


def renew_command(
    ctx: typer.Context,
    barcodes: Annotated[list[str], typer.Argument(help=_BARCODES_HELP)],
    card: Annotated[str | None, typer.Option("--card", help="借りている人のカード番号(確認用)。 " + _CARD_HELP)] = None,
) -> None:
    """延長(R9: 延滞なし・予約なし・未延長のときのみ、延長日+14日)。 Renew loans under R9."""
    app = state(ctx)
    with app.open_node() as node:
        lines = for_each_barcode(app, barcodes, lambda b: renew(node, b, card), lambda line: _print_renewal(app, line))
        if lines:
            emit_receipt(app, renewal_receipt(receipt_header(node), lines, app.lang))
    fail_if_any(barcodes, lines)


def hand_over_command(
    ctx: typer.Context,
    card: Annotated[str, typer.Argument(help=_CARD_HELP)],
    barcode: Annotated[str, typer.Argument(help="予約資料のバーコード。 The held item's barcode.")],
) -> None:
    """この停車場所に届いた予約資料を受け渡す。 Hand over a hold sent to this stop."""
    app = state(ctx)
    with app.open_node() as node:
        line = hand_over(node, card, barcode)
        print_loan(app, line)
        emit_receipt(app, loan_receipt(receipt_header(node), [line], app.lang))


def for_each_barcode(
    app: AppContext, barcodes: list[str], action: Callable[[str], T], show: Callable[[T], None]
) -> list[T]:
    """Run `action` per barcode; a refused one is reported and the next one still runs."""
    done: list[T] = []
    for barcode in barcodes:
        try:
            result = action(barcode)
        except BookmobileError as error:
            render_error(app.err, error, app.lang)
            continue
        show(result)
        done.append(result)
    return done


def fail_if_any(asked: list[str], done: list[object]) -> None:
    if len(done) < len(asked):
        raise SomeItemsFailed(failed=len(asked) - len(done))


def print_patron_line(app: AppContext, patron: PatronView) -> None:
    app.out.print(text("patron_line", app.lang, name=patron.name, card=patron.card_number, loans=patron.open_loans))


def print_loan(app: AppContext, line: LoanLine) -> None:
    key = "handed_over" if line.hold_handed_over else "lent"
    app.out.print(text(key, app.lang, barcode=line.barcode, title=line.title, due=line.due_date), style="green")
    if line.bypassed_hold:
        app.out.print(text("bypassed_hold", app.lang), style="yellow")


def print_return(app: AppContext, line: ReturnLine) -> None:
    app.out.print(text("returned", app.lang, barcode=line.barcode, title=line.title or ""), style="green")
    if line.days_overdue:
        app.out.print(text("return_overdue", app.lang, days=line.days_overdue), style="yellow")
    if line.note in _NOTE_KEYS:
        style = "bold magenta" if line.note is ReturnNote.HOLD_WAITING else "yellow"
        app.out.print(text(_NOTE_KEYS[line.note], app.lang), style=style)


def _print_renewal(app: AppContext, line: RenewLine) -> None:
    app.out.print(
        text("renewed", app.lang, barcode=line.barcode, title=line.title, old=line.previous_due, new=line.new_due),
        style="green",
    )
