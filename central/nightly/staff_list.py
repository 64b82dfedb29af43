"""The staff list: notices that no e-mail will carry, for staff to telephone or post (R10).

Patrons without an address, with one R12 refuses, or who chose telephone for a hold, and e-mail
that keeps failing: all are listed here rather than dropped. The ledger stores no titles; the
list looks them up now, for staff eyes only.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from central.mail import ledger
from central.mail.ledger import NoticeKind
from central.mail.templates import japanese_date
from central.models import Bib, Hold, Item, Loan, Location, Notice, Patron
from central.nightly.notices import HOLD_READY, OVERDUE_PREFIX
from central.services.context import transaction
from central.services.holds import ContactMethod
from sync_protocol.timezone import tokyo_date


@dataclass(frozen=True)
class StaffListEntry:
    """One patron to contact about one notice."""

    notice_id: int
    queued_on: date
    patron_name: str
    card_number: str
    phone: str
    what: str
    detail: str
    reason: str


def staff_list(session: Session) -> list[StaffListEntry]:
    """Pending staff-list notices, then e-mail that failed at least once, oldest first."""
    with transaction(session):
        notices = ledger.pending(session, kind=NoticeKind.STAFF_LIST) + ledger.failing_email(session)
        return [_entry(session, notice) for notice in notices]


def mark_contacted(session: Session, notice_ids: list[int], now: datetime) -> int:
    """Staff reached these patrons: their staff-list entries leave the list. Returns how many."""
    with transaction(session):
        return ledger.mark_done(session, notice_ids, now)


def _entry(session: Session, notice: Notice) -> StaffListEntry:
    patron = session.get(Patron, notice.patron_id)
    assert patron is not None and notice.id is not None
    what, detail, phone_chosen = _describe(session, notice)
    return StaffListEntry(
        notice_id=notice.id,
        queued_on=tokyo_date(notice.created_at),
        patron_name=patron.name,
        card_number=patron.card_number,
        phone=patron.phone,
        what=what,
        detail=detail,
        reason=_reason(notice, patron, phone_chosen),
    )


def _describe(session: Session, notice: Notice) -> tuple[str, str, bool]:
    """What the notice is about (label, details now), and whether the patron chose telephone."""
    if notice.event == HOLD_READY:
        hold = session.get(Hold, notice.object_id)
        if hold is None:
            return "予約資料の確保", "", False
        bib = session.get(Bib, hold.bib_id)
        place = session.get(Location, hold.pickup_location_id)
        last_day = japanese_date(hold.pickup_deadline) if hold.pickup_deadline else "-"
        detail = f"{bib.title if bib else '?'} / 受取: {place.name if place else '?'} / 期限: {last_day}"
        return "予約資料の確保", detail, hold.contact_method == ContactMethod.PHONE
    days = notice.event.removeprefix(OVERDUE_PREFIX)
    loan = session.get(Loan, notice.object_id)
    item = session.get(Item, loan.item_id) if loan else None
    bib = session.get(Bib, item.bib_id) if item else None
    detail = f"{bib.title} ({item.barcode}) / 返却期限: {japanese_date(loan.due_date)}" if bib and item and loan else ""
    return f"督促({days}日)", detail, False


def _reason(notice: Notice, patron: Patron, phone_chosen: bool) -> str:
    if notice.kind == NoticeKind.EMAIL:
        return f"メール送信失敗({notice.attempts}回): {notice.last_error}"
    if phone_chosen:
        return "電話連絡を希望"
    if not patron.email:
        return "メールアドレス未登録"
    return "メールアドレス不備(R12)"
