"""Ways a message leaves central: an SMTP server, or .eml files in a folder (the embedded default).

Both are opened once per run and give back a `send` callable, so a run makes one SMTP
connection however many notices it sends. Tests pass either; a fault shows up as `MailError`.
"""

import os
import smtplib
import ssl
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal, Protocol

from central.settings import Settings

Send = Callable[[EmailMessage], None]
# The end of every message's Message-ID (before the "@"): which notice it is.
_NOTICE_TAG = "notice-"


class MailError(Exception):
    """A message could not be handed over (server down, refused, folder not writable)."""


class MailTransport(Protocol):
    def open(self) -> AbstractContextManager[Send]:
        """Connect (or prepare), yield a `send` callable, disconnect."""
        ...


@dataclass(frozen=True)
class SmtpTransport:
    """SMTP with plain, STARTTLS or implicit TLS, and optional login (host and port from Settings)."""

    host: str
    port: int
    security: Literal["none", "starttls", "ssl"] = "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 30.0

    @contextmanager
    def open(self) -> Iterator[Send]:
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"SMTP {self.host}:{self.port}: {error}") from error
        try:
            yield lambda message: self._send(client, message)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password)
        except BaseException:
            client.close()
            raise
        return client

    @staticmethod
    def _send(client: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(str(error)) from error


@dataclass(frozen=True)
class OutboxTransport:
    """Writes each message as an .eml file (open it in any mail program) instead of sending it."""

    folder: Path

    @contextmanager
    def open(self) -> Iterator[Send]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MailError(f"outbox {self.folder}: {error}") from error
        yield self._write

    def _write(self, message: EmailMessage) -> None:
        name = str(message["Message-ID"]).strip("<>").split("@", 1)[0]
        target = self.folder / f"{name}.eml"
        partial = target.with_suffix(".part")
        try:
            partial.write_bytes(message.as_bytes())
            partial.replace(target)
        except OSError as error:
            raise MailError(f"outbox {target}: {error}") from error


def notice_files(folder: Path) -> dict[int, list[Path]]:
    """The message files in an outbox folder (`.eml`, and `.part` left by a write cut short) by the
    notice they carry: the name is the Message-ID's, which ends with `notice-<id>` (`build_message`).
    A folder never written to has none; one that cannot be read raises `MailError`."""
    found: dict[int, list[Path]] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                stem, _, suffix = entry.name.rpartition(".")
                tag = stem.rsplit(".", 1)[-1]
                if suffix in ("eml", "part") and tag.startswith(_NOTICE_TAG) and tag[len(_NOTICE_TAG) :].isdigit():
                    found.setdefault(int(tag[len(_NOTICE_TAG) :]), []).append(Path(entry.path))
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise MailError(f"outbox {folder}: {error}") from error
    return found


def delete_files(paths: Collection[Path]) -> int:
    """Delete these message files; returns how many were there."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as error:
            raise MailError(f"outbox {path}: {error}") from error
    return removed


def transport_from_settings(settings: Settings) -> MailTransport:
    """SMTP when a host is configured; otherwise the outbox folder under the data directory."""
    if not settings.smtp_host:
        return OutboxTransport(settings.mail_outbox)
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        timeout=settings.smtp_timeout_seconds,
    )


def build_message(
    settings: Settings, to: str, subject: str, body: str, *, notice_id: int, now: datetime
) -> EmailMessage:
    """A UTF-8 plain-text message from the library's no-reply address (R10)."""
    domain = settings.mail_from.rsplit("@", 1)[-1]
    message = EmailMessage()
    message["From"] = Address(display_name=settings.library_name, addr_spec=settings.mail_from)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=f"{_NOTICE_TAG}{notice_id}", domain=domain)
    # RFC 3834: an automatic message; auto-responders should not answer the no-reply address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8", cte="base64")
    return message
