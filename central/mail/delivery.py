"""Sending the pending e-mail notices of the ledger.

Each notice is marked in its own short transaction right after the server accepted it: a crash
in the middle of a run loses no "sent" mark for what already went out, and what did not go out
stays pending for the next run. (A crash between the server's "OK" and the mark can resend that
one message once - the only window; the ledger never queues a notice twice.)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from central.mail import ledger
from central.mail.ledger import NoticeKind
from central.mail.transport import MailError, MailTransport, Send, build_message
from central.services.context import transaction
from central.settings import Settings


@dataclass
class DeliveryReport:
    """What one sending pass did; `errors` are the distinct failure reasons (for the run summary)."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.failed += 1
        if reason not in self.errors:
            self.errors.append(reason)


def deliver_pending(
    session: Session,
    settings: Settings,
    transport: MailTransport,
    clock: Callable[[], datetime],
) -> DeliveryReport:
    """Try every pending e-mail notice once; failures stay pending and are counted."""
    with transaction(session):
        work = [(n.id, n.address, n.subject, n.body) for n in ledger.pending(session, kind=NoticeKind.EMAIL)]
    report = DeliveryReport()
    if not work:
        return report
    try:
        with transport.open() as send:
            for notice_id, address, subject, body in work:
                assert notice_id is not None
                _send_one(session, settings, send, report, (notice_id, address, subject, body), clock)
    except MailError as error:
        # The connection itself failed: everything not yet sent is retried next run.
        unsent = work[report.sent + report.failed :]
        for notice_id, *_ in unsent:
            with transaction(session):
                ledger.mark_failed(session, notice_id, str(error), clock())  # type: ignore[arg-type]
            report.fail(str(error))
    return report


def _send_one(
    session: Session,
    settings: Settings,
    send: Send,
    report: DeliveryReport,
    notice: tuple[int, str, str, str],
    clock: Callable[[], datetime],
) -> None:
    notice_id, address, subject, body = notice
    now = clock()
    message = build_message(settings, address, subject, body, notice_id=notice_id, now=now)
    try:
        send(message)
    except MailError as error:
        with transaction(session):
            ledger.mark_failed(session, notice_id, str(error), now)
        report.fail(str(error))
        return
    with transaction(session):
        ledger.mark_sent(session, notice_id, now)
    report.sent += 1
