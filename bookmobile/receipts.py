"""Printable text receipts: loans with due dates, renewals, registrations and passwords.

Plain text of at most ~32 columns per line, so they print on the thermal printers vans carry and
read the same on screen. The password receipt is the only place a temporary password ever
appears (R4); it is not kept.
"""

from dataclasses import dataclass
from datetime import datetime

from bookmobile.desk.accounts import IssuedPassword
from bookmobile.desk.lending import LoanLine
from bookmobile.desk.registration import Registration
from bookmobile.desk.renewals import RenewLine
from bookmobile.messages import text
from bookmobile.node import Node
from bookmobile.store import meta
from bookmobile.store.connection import reading
from bookmobile.store.local_view import stop_name
from sync_protocol.timezone import TOKYO

_RULE = "=" * 32
_THIN = "-" * 32


@dataclass(frozen=True)
class ReceiptHeader:
    """Who issues the receipt, where and when."""

    library_name: str
    stop_name: str
    issued_at: datetime


def _head(header: ReceiptHeader, title_key: str, lang: str) -> list[str]:
    when = header.issued_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    return [
        _RULE,
        f"{header.library_name} {text('r_bookmobile', lang)}",
        text(title_key, lang),
        when,
        f"{text('r_stop', lang)}: {header.stop_name}",
        _THIN,
    ]


def loan_receipt(header: ReceiptHeader, lines: list[LoanLine], lang: str = "ja") -> str:
    """One patron's loans (including holds handed over), each with its due date."""
    first = lines[0]
    out = _head(header, "r_loan", lang)
    out += [f"{text('r_card', lang)}: {first.card_number}", f"{text('r_name', lang)}: {first.patron_name}", _THIN]
    for number, line in enumerate(lines, start=1):
        out += [f"{number}. {line.title}", f"   {line.barcode}", f"   {text('r_due', lang)}: {line.due_date}"]
    out += [_THIN, f"{text('r_count', lang)}: {len(lines)}", text("r_footer_loan", lang), _RULE]
    return "\n".join(out)


def renewal_receipt(header: ReceiptHeader, lines: list[RenewLine], lang: str = "ja") -> str:
    out = _head(header, "r_renewal", lang)
    out += [f"{text('r_card', lang)}: {lines[0].card_number}", _THIN]
    for number, line in enumerate(lines, start=1):
        out += [f"{number}. {line.title}", f"   {line.barcode}", f"   {text('r_new_due', lang)}: {line.new_due}"]
    out += [_THIN, text("r_footer_loan", lang), _RULE]
    return "\n".join(out)


def registration_receipt(header: ReceiptHeader, registration: Registration, lang: str = "ja") -> str:
    """The new card's number; the password part follows when the internet service was applied for."""
    out = _head(header, "r_registration", lang)
    out += [f"{text('r_card', lang)}: {registration.card_number}", f"{text('r_name', lang)}: {registration.name}"]
    if registration.internet is not None:
        out += [_THIN, text("r_internet", lang), *_password_lines(registration.internet, lang)]
    out.append(_RULE)
    return "\n".join(out)


def password_receipt(header: ReceiptHeader, issued: IssuedPassword, lang: str = "ja") -> str:
    out = _head(header, "r_internet", lang)
    out += [f"{text('r_card', lang)}: {issued.card_number}", f"{text('r_name', lang)}: {issued.name}", _THIN]
    out += [*_password_lines(issued, lang), _RULE]
    return "\n".join(out)


def _password_lines(issued: IssuedPassword, lang: str) -> list[str]:
    """R4 (printed once), R5 (next day at the earliest), R6 (please change it), R7 (re-issue only)."""
    reissue = [text("r_reissued", lang)] if issued.reissued else []
    return [
        f"{text('r_password', lang)}: {issued.temporary_password}",
        *reissue,
        text("r_password_once", lang),
        text("r_next_day", lang, day=issued.earliest_first_login),
        text("r_change_password", lang),
        text("r_forgot", lang),
    ]


def receipt_header(node: Node) -> ReceiptHeader:
    """The header for a receipt printed now at the van's current stop."""
    with reading(node.conn):
        stop = meta.get(node.conn, meta.CURRENT_STOP)
        name = stop_name(node.conn, stop) if stop else None
        return ReceiptHeader(node.snapshot().library_name, name or "-", node.clock.now())
