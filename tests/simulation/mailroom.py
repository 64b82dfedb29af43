"""Where the nightly job's mail goes: a real SMTP server on loopback (aiosmtpd), the `.eml` folder,
or - on a day with SMTP down - a loopback port nobody listens on.

Every message that really left is kept, so the invariants can count deliveries per notice rather
than trust the ledger's own "sent" marks.
"""

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from central.settings import Settings

_NOTICE_ID = re.compile(r"notice-(\d+)@")


class Route(StrEnum):
    SMTP = "smtp"
    EML = "eml"
    SMTP_DOWN = "smtp_down"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.original_content)
        return "250 OK"


@dataclass(frozen=True)
class Delivered:
    """A message that left central: its Message-ID and the ledger notice it was sent for."""

    message_id: str
    notice_id: int


@dataclass
class Mailroom:
    """The SMTP server and the .eml folder of one simulation, and what arrived through each."""

    folder: Path
    inbox: _Inbox = field(default_factory=_Inbox)
    port: int = field(default_factory=free_port)
    seen: set[str] = field(default_factory=set)
    read_files: set[str] = field(default_factory=set)
    read_smtp: int = 0
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def settings_for(self, base: Settings, route: Route) -> Settings:
        """The night's settings: mail to the SMTP server, to the .eml folder, or to a closed port."""
        if route is Route.EML:
            return base.model_copy(update={"smtp_host": "", "mail_outbox_dir": self.folder})
        port = self.port if route is Route.SMTP else free_port()
        return base.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_timeout_seconds": 5}
        )

    def arrived(self) -> list[Delivered]:
        """Messages delivered since the last call, through either way."""
        raws = self.inbox.raw[self.read_smtp :]
        self.read_smtp += len(raws)
        if self.folder.exists():
            files = [path for path in sorted(self.folder.glob("*.eml")) if path.name not in self.read_files]
            self.read_files.update(path.name for path in files)
            raws += [path.read_bytes() for path in files]
        fresh = []
        for raw in raws:
            message = message_from_bytes(raw, policy=policy.default)
            assert isinstance(message, EmailMessage)
            message_id = str(message["Message-ID"])
            if message_id in self.seen:
                continue
            self.seen.add(message_id)
            found = _NOTICE_ID.search(message_id)
            fresh.append(Delivered(message_id, int(found.group(1)) if found else -1))
        return fresh
