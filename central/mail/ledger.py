"""The notice ledger (R10): each notice owed to a patron is written once, then sent or listed for staff.

The key is (patron, event, object): whatever the channel, a patron hears about one event once.
The table's unique constraint (patron, event, object, kind) backs this up in the database.
Callers run these functions inside their own transaction (a nightly step, or one CLI action).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from central.bulk import in_lists
from central.mail.templates import MailText
from central.mail.transport import delete_files, notice_files
from central.models import Notice, Patron
from sync_protocol.email_address import check_email

MAX_ERROR_LENGTH = 500


class NoticeKind(StrEnum):
    """How the notice reaches the patron."""

    EMAIL = "email"
    STAFF_LIST = "staff_list"  # no usable address, or telephone chosen: staff call or send a postcard


class NoticeStatus(StrEnum):
    PENDING = "pending"  # not yet accepted by the mail server / not yet handled by staff
    SENT = "sent"
    DONE = "done"  # staff reached the patron
    OBSOLETE = "obsolete"  # its reason went away first (hold collected, book returned): never sent late


@dataclass(frozen=True)
class Recipient:
    """Where a notice goes: an address R12 accepts, or the staff list ("" address)."""

    kind: NoticeKind
    address: str = ""


def recipient_for(patron: Patron, *, wants_email: bool = True) -> Recipient:
    """E-mail when the patron wants it and has an address R12 accepts; otherwise the staff list.

    An address stored before R12 was enforced (or arriving by sync) is checked again here, so a
    refused address is never queued for sending - and the patron is still told, by staff.
    """
    if wants_email and patron.email:
        checked = check_email(patron.email)
        if checked.refusal is None and checked.address:
            return Recipient(NoticeKind.EMAIL, checked.address)
    return Recipient(NoticeKind.STAFF_LIST)


def events_noticed(session: Session, patron_id: int, object_id: int, events: Collection[str]) -> set[str]:
    """Which of `events` the patron already has a notice for, about this object, on any channel."""
    rows = session.exec(
        select(Notice.event).where(
            Notice.patron_id == patron_id, Notice.object_id == object_id, col(Notice.event).in_(list(events))
        )
    ).all()
    return set(rows)


def pending_about(session: Session, patron_id: int, object_id: int, events: Collection[str]) -> list[int]:
    """Ids of the patron's pending notices of `events` about this object."""
    rows = session.exec(
        select(Notice.id).where(
            Notice.patron_id == patron_id,
            Notice.object_id == object_id,
            col(Notice.event).in_(list(events)),
            Notice.status == NoticeStatus.PENDING,
        )
    ).all()
    return [row for row in rows if row is not None]


def queue(
    session: Session, patron_id: int, event: str, object_id: int, recipient: Recipient, text: MailText, now: datetime
) -> Notice | None:
    """Record a notice unless the patron already has one for this event and object."""
    if events_noticed(session, patron_id, object_id, [event]):
        return None
    notice = Notice(
        patron_id=patron_id,
        event=event,
        object_id=object_id,
        kind=recipient.kind,
        status=NoticeStatus.PENDING,
        address=recipient.address,
        subject=text.subject,
        body=text.body,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    return notice


def pending(session: Session, kind: NoticeKind) -> list[Notice]:
    """Pending notices of one kind, oldest first."""
    query = select(Notice).where(Notice.status == NoticeStatus.PENDING, Notice.kind == kind)
    return list(session.exec(query.order_by(col(Notice.id))))


def withdraw(session: Session, notice_ids: Collection[int]) -> int:
    """Pending notices whose reason went away become obsolete; returns how many."""
    if not notice_ids:
        return 0
    result = session.exec(
        update(Notice)
        .where(col(Notice.id).in_(list(notice_ids)), Notice.status == NoticeStatus.PENDING)
        .values(status=NoticeStatus.OBSOLETE)
    )
    return int(result.rowcount)


def forget(session: Session, event_prefix: str, object_ids: Sequence[int]) -> list[int]:
    """Delete the notices about these objects (no reading history survives an anonymised loan);
    returns the ids of the notices deleted."""
    removed: list[int] = []
    for batch in in_lists(object_ids):
        about = (col(Notice.event).startswith(event_prefix), col(Notice.object_id).in_(batch))
        found = [notice_id for notice_id in session.exec(select(Notice.id).where(*about)) if notice_id is not None]
        session.exec(delete(Notice).where(col(Notice.id).in_(found)))
        removed += found
    return removed


def forget_files(session: Session, folder: Path) -> int:
    """Delete the message files in the outbox folder whose notice no longer exists; returns how many.

    No reading history: an overdue reminder lists the titles a patron borrowed. Going by what is
    in the folder, not by the notices deleted tonight, catches up after a night that could not
    delete them and whatever transport the night used. A file is never deleted while its notice
    exists (SQLite may give a later notice a deleted one's id: its file then waits for that one).
    """
    files = notice_files(folder)
    alive: set[int] = set()
    for batch in in_lists(sorted(files)):
        alive.update(found for found in session.exec(select(Notice.id).where(col(Notice.id).in_(batch))) if found)
    return delete_files([path for notice_id, paths in files.items() if notice_id not in alive for path in paths])


def mark_sent(session: Session, notice_id: int, now: datetime) -> None:
    """The mail server accepted the message."""
    notice = session.get(Notice, notice_id)
    if notice is not None:
        notice.status = NoticeStatus.SENT
        notice.sent_at = now
        notice.attempts += 1
        notice.last_error = ""
        session.add(notice)


def mark_failed(session: Session, notice_id: int, error: str, now: datetime) -> None:
    """Sending failed: the notice stays pending (tried again next run), with the reason kept for staff."""
    notice = session.get(Notice, notice_id)
    if notice is not None:
        notice.attempts += 1
        notice.last_error = f"{now:%Y-%m-%d %H:%M} UTC: {error}"[:MAX_ERROR_LENGTH]
        session.add(notice)


def mark_done(session: Session, notice_ids: Collection[int], now: datetime) -> int:
    """Staff reached the patrons of these staff-list entries; returns how many were pending."""
    result = session.exec(
        update(Notice)
        .where(
            col(Notice.id).in_(list(notice_ids)),
            Notice.kind == NoticeKind.STAFF_LIST,
            Notice.status == NoticeStatus.PENDING,
        )
        .values(status=NoticeStatus.DONE, sent_at=now)
    )
    return int(result.rowcount)


def failing_email(session: Session) -> list[Notice]:
    """E-mail that could not be sent yet (still pending after at least one attempt)."""
    return [n for n in pending(session, kind=NoticeKind.EMAIL) if n.attempts > 0]
