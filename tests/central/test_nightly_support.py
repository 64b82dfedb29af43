"""Helpers shared by the nightly and mail tests: settings for a test database, a loopback SMTP server,
and the circulation scenes the job acts on. (No tests here; the file name keeps it with its users.)"""

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import col, select

from central.db import new_session
from central.mail.transport import OutboxTransport
from central.models import Bib, Hold, Item, Notice, Patron
from central.nightly.job import NightlyReport, run_nightly
from central.services.circulation import lend, return_item
from central.services.context import ServiceContext
from central.services.holds import place_hold
from central.settings import Settings
from sync_protocol.timezone import TOKYO

Ctx = Callable[..., ServiceContext]
MakePatron = Callable[..., Patron]
MakeTitle = Callable[..., tuple[Bib, list[Item]]]

SENDER = "no-reply@lib.example.jp"
T = TypeVar("T")


def settings_for(engine: Engine, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on the test's database; no closed days, like the tests' circulation policy."""
    values: dict[str, Any] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "data_dir": tmp_path / "var",
        "closed_weekdays": [],
        "library_name": "宜野湾市民図書館",
        "mail_from": SENDER,
        "smtp_security": "none",
    }
    values.update(overrides)
    return Settings(**values)


def tokyo_night(day: date) -> datetime:
    """02:00 in Tokyo on `day`: when the scheduled job runs."""
    return datetime.combine(day, time(2, 0), TOKYO).astimezone(UTC)


def run_on(engine: Engine, settings: Settings, day: date, **kw: Any) -> NightlyReport:
    """Run the whole job for `day` as the scheduler would at 02:00 that night (or at `clock`)."""
    kw.setdefault("transport", OutboxTransport(settings.mail_outbox))
    kw.setdefault("clock", lambda: tokyo_night(day))
    return run_nightly(engine, settings, run_date=day, **kw)


def outbox(settings: Settings) -> list[EmailMessage]:
    """The messages written to the outbox folder, parsed."""
    folder = settings.mail_outbox
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [parse(path.read_bytes()) for path in files]


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def notices(engine: Engine) -> list[Notice]:
    """Every notice in the ledger, read fresh (the job wrote them in its own session)."""
    with new_session(engine) as session:
        return list(session.exec(select(Notice).order_by(col(Notice.id))))


def fresh(engine: Engine, model: type[T], ident: int | None) -> T:
    """A row as the database has it now."""
    with new_session(engine) as session:
        row = session.get(model, ident)
        assert row is not None
        return row


def ready_hold(
    ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle, contact: str = "email", **patron: Any
) -> tuple[Hold, Patron, Item]:
    """A hold whose copy came back today (NOW) and waits at the main library: READY, 7 days to collect."""
    bib, (copy,) = make_title()
    lend(ctx(), make_patron(email=None), copy.barcode)
    holder = make_patron(**patron)
    hold = place_hold(ctx(), holder, bib.id, ctx().location_id, contact)  # type: ignore[arg-type]
    return_item(ctx(), copy.barcode)
    return hold, holder, copy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [parse(envelope.original_content) for envelope in self.envelopes]


@contextmanager
def smtp_server(port: int, **smtp_options: Any) -> Iterator[Inbox]:
    """A real SMTP server on loopback for the duration of the block."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
