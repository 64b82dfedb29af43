"""Counter mode: the desk driven by a barcode scanner, which types digits and Enter.

Scan a card, then the items; a blank line ends the patron and prints the receipt. With
`--returns`, every scan is a return. Each scan is its own durable action; a refused scan is
shown and the counter carries on. End of input (Ctrl+D) leaves the mode.
"""

from collections.abc import Iterator
from typing import Annotated, TextIO

import typer

from bookmobile.cli.context import AppContext, state
from bookmobile.cli.desk_commands import print_loan, print_patron_line, print_return
from bookmobile.cli.output import emit_receipt, render_error
from bookmobile.desk.lending import LoanLine, lend
from bookmobile.desk.patrons import identify_patron
from bookmobile.desk.returns import take_back
from bookmobile.errors import BookmobileError
from bookmobile.messages import text
from bookmobile.node import Node
from bookmobile.receipts import loan_receipt, receipt_header
from bookmobile.store.local_view import PatronView


def register(app: typer.Typer) -> None:
    app.command("counter")(counter)


def counter(
    ctx: typer.Context,
    returns: Annotated[bool, typer.Option("--returns", help="返却専用モード。 Every scan is a return.")] = False,
) -> None:
    """バーコードスキャナ用のカウンターモード(カード→資料、空行で利用者終了)。 Scanner-driven counter mode."""
    app = state(ctx)
    stdin = typer.get_text_stream("stdin")
    with app.open_node() as node:
        node.snapshot()
        loop = _returns_loop if returns else _lending_loop
        loop(app, node, _scans(stdin))
    app.out.print(text("counter_bye", app.lang))


def _scans(stream: TextIO) -> Iterator[str]:
    """Lines as the scanner sends them, read one at a time (no read-ahead that would stall a pipe)."""
    while line := stream.readline():
        yield line.strip()


def _returns_loop(app: AppContext, node: Node, scans: Iterator[str]) -> None:
    app.out.print(text("counter_intro_returns", app.lang))
    for scan in scans:
        if scan:
            try:
                print_return(app, take_back(node, scan))
            except BookmobileError as error:
                render_error(app.err, error, app.lang)


def _lending_loop(app: AppContext, node: Node, scans: Iterator[str]) -> None:
    app.out.print(text("counter_intro", app.lang))
    patron: PatronView | None = None
    lent: list[LoanLine] = []
    _prompt(app, "counter_scan_card")
    for scan in scans:
        if patron is None:
            patron = _greet(app, node, scan) if scan else None
            _prompt(app, "counter_scan_item" if patron else "counter_scan_card")
        elif not scan:
            _finish(app, node, patron, lent)
            patron, lent = None, []
            _prompt(app, "counter_scan_card")
        else:
            try:
                line = lend(node, patron.card_number, scan)
            except BookmobileError as error:
                render_error(app.err, error, app.lang)
                continue
            print_loan(app, line)
            lent.append(line)
    if patron is not None:
        _finish(app, node, patron, lent)


def _greet(app: AppContext, node: Node, scan: str) -> PatronView | None:
    try:
        patron = identify_patron(node, scan)
    except BookmobileError as error:
        render_error(app.err, error, app.lang)
        return None
    print_patron_line(app, patron)
    return patron


def _finish(app: AppContext, node: Node, patron: PatronView, lent: list[LoanLine]) -> None:
    app.out.print(text("counter_patron_done", app.lang, name=patron.name, count=len(lent)))
    if lent:
        emit_receipt(app, loan_receipt(receipt_header(node), lent, app.lang))


def _prompt(app: AppContext, key: str) -> None:
    app.out.print(f"> {text(key, app.lang)}")
