"""Patron commands: register a card, the internet service in person (R1-R7), e-mail (R12)."""

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer

from bookmobile.cli.context import state
from bookmobile.cli.output import emit_receipt
from bookmobile.desk.accounts import IssuedPassword, apply_internet_service, reissue_password
from bookmobile.desk.forms import NewPatron
from bookmobile.desk.registration import change_email, register_patron
from bookmobile.errors import InvalidField
from bookmobile.messages import text
from bookmobile.node import Node
from bookmobile.receipts import password_receipt, receipt_header, registration_receipt
from sync_protocol.normalize import nfkc
from sync_protocol.operations import IdDocumentKind

internet_app = typer.Typer(help="インターネットサービス(対面での申込み・再発行)。 The internet service, in person.")
email_app = typer.Typer(help="メールアドレス(R12の確認つき)。 A patron's e-mail address (R12 checked).")

_CARD_HELP = "利用者カード番号。 The library card number."
_ID_HELP = "確認した本人確認書類の種類(番号は記録しません)。 The kind of ID document seen (R2; never its number)."
_Card = Annotated[str, typer.Argument(help=_CARD_HELP)]
_IdKind = Annotated[IdDocumentKind, typer.Option(help=_ID_HELP)]
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def register(app: typer.Typer) -> None:
    app.command("register")(register_command)
    app.add_typer(internet_app, name="internet", no_args_is_help=True)
    app.add_typer(email_app, name="email", no_args_is_help=True)


def parse_birth_date(raw: str) -> date:
    """2010-04-01, 2010/4/1 or 2010年4月1日, in full- or half-width digits."""
    match = _DATE.match(nfkc(raw))
    try:
        if match is None:
            raise ValueError(raw)
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidField(field_ja="生年月日(例: 2010-04-01)", field_en="birth date (e.g. 2010-04-01)") from None


def register_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="氏名。 Full name.")],
    reading: Annotated[str, typer.Option(help="氏名のよみ(かな)。 Reading of the name, in kana.")],
    birth_date: Annotated[str, typer.Option(help="生年月日(例: 2010-04-01)。 Birth date.")],
    address: Annotated[str, typer.Option(help="住所。 Address.")],
    phone: Annotated[str, typer.Option(help="電話番号。 Phone number.")],
    email: Annotated[str | None, typer.Option(help="メールアドレス(任意、R12)。 E-mail (optional, R12).")] = None,
    internet: Annotated[
        bool, typer.Option("--internet", help="インターネットサービスも同時に申し込む(R1)。 Also apply (R1).")
    ] = False,
    id_kind: Annotated[IdDocumentKind | None, typer.Option(help=_ID_HELP)] = None,
) -> None:
    """新しい利用者を登録し、車両の番号帯からカード番号を発行する。

    Register a new patron; the card number comes from the van's block.
    """
    app = state(ctx)
    if internet and id_kind is None:
        raise InvalidField(field_ja="本人確認書類の種類(--id-kind)", field_en="ID document kind (--id-kind)")
    form = NewPatron(name, reading, parse_birth_date(birth_date), address, phone, email)
    with app.open_node() as node:
        done = register_patron(node, form, id_kind if internet else None)
        app.out.print(text("registered", app.lang, card=done.card_number, name=done.name), style="green")
        if done.internet is not None:
            app.out.print(text("internet_issued", app.lang), style="green")
        emit_receipt(app, registration_receipt(receipt_header(node), done, app.lang))


@internet_app.command("apply")
def internet_apply(
    ctx: typer.Context,
    card: _Card,
    id_kind: _IdKind,
) -> None:
    """カードをお持ちの方のインターネットサービス申込み(R1, R2, R4, R5)。 Apply with an existing card."""
    _issue_password(ctx, apply_internet_service, card, id_kind)


@internet_app.command("reissue")
def internet_reissue(
    ctx: typer.Context,
    card: _Card,
    id_kind: _IdKind,
) -> None:
    """パスワードを忘れた方に仮パスワードを再発行(R7、旧パスワードは無効)。 Re-issue a forgotten password."""
    _issue_password(ctx, reissue_password, card, id_kind)


def _issue_password(
    ctx: typer.Context,
    action: Callable[[Node, str, IdDocumentKind], IssuedPassword],
    card: str,
    id_kind: IdDocumentKind,
) -> None:
    """Both internet-service commands: issue through `action`, confirm, and print the password receipt."""
    app = state(ctx)
    with app.open_node() as node:
        issued = action(node, card, id_kind)
        app.out.print(text("internet_issued", app.lang), style="green")
        emit_receipt(app, password_receipt(receipt_header(node), issued, app.lang))


@email_app.command("set")
def email_set(
    ctx: typer.Context,
    card: _Card,
    address: Annotated[str, typer.Argument(help="新しいメールアドレス。 The new address.")],
) -> None:
    """メールアドレスを登録・変更する(R12: 「..」「.@」は不可)。 Set a patron's e-mail address."""
    app = state(ctx)
    with app.open_node() as node:
        done = change_email(node, card, address)
    app.out.print(text("email_changed", app.lang, name=done.name, email=done.email), style="green")


@email_app.command("remove")
def email_remove(ctx: typer.Context, card: _Card) -> None:
    """メールアドレスを削除する。 Remove a patron's e-mail address."""
    app = state(ctx)
    with app.open_node() as node:
        done = change_email(node, card, None)
    app.out.print(text("email_removed", app.lang, name=done.name), style="green")
