"""The nightly steps that queue notices (R10): hold ready for pickup (予約資料の確保), overdue reminders (督促).

They only write to the ledger; the `send_mail` step sends. A patron who cannot get e-mail (none,
an address R12 refuses, or telephone chosen for the hold) gets a staff-list entry instead, so no
notice is ever dropped. Each run first withdraws pending notices whose reason went away.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from central.mail import ledger, templates
from central.models import Hold, HoldStatus, Item, Loan, Location, LocationKind, Notice, Patron
from central.nightly.night import Night, StepResult
from central.services.context import transaction
from central.services.holds import ContactMethod
from central.services.stop_holds import van_of
from central.services.timetable import VisitSlot, next_visits
from sync_protocol.due_dates import days_overdue

HOLD_READY = "hold_ready"
OVERDUE_PREFIX = "overdue_"


def overdue_event(threshold: int) -> str:
    """The ledger event of the reminder sent at `threshold` days overdue ("overdue_8")."""
    return f"{OVERDUE_PREFIX}{threshold}"


@dataclass(frozen=True)
class Pickup:
    """Where and until when a ready hold waits: what the notice tells the patron. For a bookmobile
    stop, `visit` is the van's next visit there (None when the timetable has none)."""

    place: str
    last_day: date
    visit: VisitSlot | None = None

    def text(self, head: templates.Letterhead, patron_name: str) -> templates.MailText:
        if self.visit is None:
            return templates.hold_ready(head, patron_name, self.place, self.last_day)
        visit = self.visit
        return templates.stop_hold_ready(head, patron_name, self.place, visit.day, visit.window, self.last_day)


def _at_stop(night: Night, hold: Hold, stop: Location) -> Pickup | None:
    """A hold for a bookmobile stop is due its notice once the copy is on the van serving the stop
    (not before: the van might not take it yet), naming the stop and the van's next visit."""
    item = night.session.get(Item, hold.item_id) if hold.item_id is not None else None
    if (
        item is None
        or hold.pickup_deadline is None
        or van_of(night.session, item.current_location_id) != stop.parent_id
    ):
        return None
    van = night.session.get(Location, stop.parent_id)
    place = f"{van.name} {stop.name}" if van else stop.name
    upcoming = next_visits(night.session, stop.id, night.run_date, 1)  # type: ignore[arg-type]
    return Pickup(place, hold.pickup_deadline, upcoming[0] if upcoming else None)


def _ready_holds(night: Night) -> list[tuple[Hold, Patron, Pickup]]:
    """Holds owed a ready notice: on the hold shelf now, with their pickup place and last day.

    The one place that decides "due a notice": a hold for a bookmobile stop is due once its copy is
    on the van, and its notice names the stop and the visit (`_at_stop`).
    """
    rows = night.session.exec(
        select(Hold, Patron, Location)
        .join(Patron, col(Patron.id) == Hold.patron_id)
        .join(Location, col(Location.id) == Hold.pickup_location_id)
        .where(Hold.status == HoldStatus.READY)
        .order_by(col(Hold.id))
    ).all()
    due = []
    for hold, patron, place in rows:
        if place.kind == LocationKind.STOP:
            pickup = _at_stop(night, hold, place)
        else:
            pickup = Pickup(place.name, hold.pickup_deadline) if hold.pickup_deadline is not None else None
        if pickup is not None:
            due.append((hold, patron, pickup))
    return due


def _stale(night: Night, events: list[str], still_due: set[int]) -> list[int]:
    """Pending notices of `events` whose object is no longer in `still_due`."""
    return [
        notice.id
        for notice in night.session.exec(
            select(Notice).where(Notice.status == ledger.NoticeStatus.PENDING, col(Notice.event).in_(events))
        )
        if notice.id is not None and notice.object_id not in still_due
    ]


def hold_ready_notices(night: Night) -> StepResult:
    """予約資料の確保: one notice per ready hold, with the pickup place and the last day to collect."""
    counts: Counter[str] = Counter()
    with transaction(night.session):
        ready = _ready_holds(night)
        counts["withdrawn"] = ledger.withdraw(
            night.session, _stale(night, [HOLD_READY], {h.id for h, _, _ in ready if h.id is not None})
        )
        for hold, patron, pickup in ready:
            assert hold.id is not None and patron.id is not None
            recipient = ledger.recipient_for(patron, wants_email=hold.contact_method == ContactMethod.EMAIL)
            text = pickup.text(night.letterhead, patron.name)
            if ledger.queue(night.session, patron.id, HOLD_READY, hold.id, recipient, text, night.now):
                counts[recipient.kind] += 1
    return StepResult({key: counts[key] for key in ("email", "staff_list", "withdrawn")})


def reminder_thresholds(night: Night) -> tuple[int, ...]:
    """The configured days overdue (default 1, 8, 15), sorted, positive, without repeats."""
    return tuple(sorted({days for days in night.settings.overdue_reminder_days if days > 0}))


def overdue_reminders(night: Night) -> StepResult:
    """督促: one reminder per loan per threshold reached. After missed nights only the highest
    threshold reached is sent, once: a patron never gets three reminders in one morning."""
    thresholds = reminder_thresholds(night)
    counts: Counter[str] = Counter()
    with transaction(night.session):
        overdue = _overdue_loans(night, thresholds)
        due_ids = {loan.id for loan, _, _ in overdue if loan.id is not None}
        events = [overdue_event(t) for t in thresholds]
        counts["withdrawn"] = ledger.withdraw(night.session, _stale(night, events, due_ids))
        for loan, patron, days in overdue:
            kind = _queue_reminder(night, loan, patron, days, thresholds)
            if kind is not None:
                counts[kind] += 1
    return StepResult({key: counts[key] for key in ("email", "staff_list", "withdrawn")})


def _overdue_loans(night: Night, thresholds: tuple[int, ...]) -> list[tuple[Loan, Patron, int]]:
    """Open loans at least the first threshold overdue on the run's date, with days overdue."""
    if not thresholds:
        return []
    rows = night.session.exec(
        select(Loan, Patron)
        .join(Patron, col(Patron.id) == Loan.patron_id)
        .where(col(Loan.returned_at).is_(None), Loan.due_date < night.run_date)
        .order_by(col(Loan.id))
    ).all()
    with_days = [(loan, patron, days_overdue(loan.due_date, night.run_date)) for loan, patron in rows]
    return [row for row in with_days if row[2] >= thresholds[0]]


def _queue_reminder(
    night: Night, loan: Loan, patron: Patron, days: int, thresholds: tuple[int, ...]
) -> ledger.NoticeKind | None:
    """Queue the reminder of the highest threshold reached, unless it (or a later one) exists.

    A lower reminder still pending (its mail failed) is withdrawn: the new one replaces it.
    """
    assert loan.id is not None and patron.id is not None
    reached = max(t for t in thresholds if t <= days)
    if ledger.events_noticed(night.session, patron.id, loan.id, {overdue_event(t) for t in thresholds if t >= reached}):
        return None
    lower = [overdue_event(t) for t in thresholds if t < reached]
    ledger.withdraw(night.session, ledger.pending_about(night.session, patron.id, loan.id, lower))
    text = templates.overdue_reminder(night.letterhead, patron.name, loan.due_date, days)
    recipient = ledger.recipient_for(patron)
    queued = ledger.queue(night.session, patron.id, overdue_event(reached), loan.id, recipient, text, night.now)
    return recipient.kind if queued is not None else None
