"""Recording many operations a van already did, at once, when central agrees with every one of them.

The per-operation services (`offline`, `circulation`, `patrons`, `accounts`) read and write one
row at a time through the ORM: about sixteen statements for a loan. An evening batch from a van is
a thousand operations, nearly all of which central has nothing to say about - a copy on the shelf
lent to a patron in good standing, a copy on loan coming back. `AgreedRun` takes such a run: it
reads what the operations touch with a few set queries (`load`), checks each one against that
state in memory, and writes the results with one executemany per table (`write`).

It decides nothing the services would decide differently. Each method checks that the service
would take its plain path - no hold on the title, no block, no loan central did not expect, no
unknown card - and returns False otherwise, writing nothing: the caller then applies that
operation through the services (which find the disagreement and say so), calls `forget`, and
`load`s again. The rows written are the rows the services would write, built by the same helpers
(`new_patron_values`, `new_account_values`, `audit.entry`, the change log's keys); a parity test
(tests/central/test_agreed.py) applies the same days both ways and compares every table.

The state kept here is only valid inside the caller's transaction, between `load` and `forget`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Select, Table, exists, func, select
from sqlmodel import Session, col

from central.bulk import in_lists, insert_rows, update_rows
from central.errors import CentralError
from central.models import (
    AuditEntry,
    Bib,
    Hold,
    InternetAccount,
    Item,
    ItemStatus,
    Loan,
    Patron,
    PatronBlock,
    PatronStatus,
)
from central.models.circulation import OPEN_HOLD_STATUSES
from central.services import audit
from central.services.accounts import application_facts, new_account_values
from central.services.changelog import note_changes
from central.services.context import ServiceContext
from central.services.patrons import Registration, new_patron_values, reading_key, validated_registration
from sync_protocol.activation import Channel
from sync_protocol.eligibility import check_internet_service_eligibility
from sync_protocol.email_address import check_email
from sync_protocol.operations import IdDocumentKind
from sync_protocol.policy import CirculationPolicy
from sync_protocol.renewal import renewals_used_up
from sync_protocol.timezone import as_utc

_PATRON: Table = Patron.__table__  # type: ignore[attr-defined]
_ITEM: Table = Item.__table__  # type: ignore[attr-defined]
_LOAN: Table = Loan.__table__  # type: ignore[attr-defined]
_ACCOUNT: Table = InternetAccount.__table__  # type: ignore[attr-defined]
_AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]


@dataclass(slots=True, eq=False)
class _Patron:
    id: int | None  # None until a registration of this run is written
    card_number: str
    active: bool
    blocked: bool
    birth_date: date
    has_account: bool
    email: str | None
    email_changed_at: datetime | None
    email_dirty: bool = False


@dataclass(slots=True, eq=False)
class _Item:
    id: int
    barcode: str
    bib_id: int
    status: str
    location_id: int | None
    dirty: bool = False


@dataclass(slots=True, eq=False)
class _Loan:
    id: int | None  # None until a loan of this run is written
    item: _Item
    patron_id: int | None
    patron: _Patron | None  # set for loans of this run (the patron may be new too)
    out_at: datetime
    location_id: int
    due_date: date
    renewal_count: int
    renewed_at: datetime | None = None
    returned_at: datetime | None = None
    returned_location_id: int | None = None
    dirty: bool = False

    @property
    def item_id(self) -> int:
        return self.item.id

    def held_by(self, patron: _Patron) -> bool:
        return self.patron is patron or (patron.id is not None and self.patron_id == patron.id)

    def holder_id(self) -> int | None:
        return self.patron.id if self.patron is not None else self.patron_id


@dataclass(slots=True)
class _Audit:
    """An audit row whose object may be a loan or patron of this run (its id known only once written)."""

    values: list[Any]  # in the order of `audit.COLUMNS`
    subject: _Loan | _Patron | None = None


class AgreedRun:
    """Operations recorded set-wise within one transaction; see the module docstring."""

    def __init__(self, session: Session, policy: CirculationPolicy) -> None:
        self.session = session
        self.policy = policy
        self._row_locks = session.get_bind().dialect.name == "postgresql"
        self._connection: Connection  # the session's, from `load` on
        self.forget()

    def forget(self) -> None:
        """Drop what was read (a service changed the database since): `load` again before the next call."""
        if getattr(self, "_audits", None):
            raise RuntimeError("write what the run holds before forgetting what it read")
        self._patrons: dict[str, _Patron] = {}
        self._items: dict[str, _Item] = {}
        self._open_loans: dict[int, _Loan] = {}  # by item id
        self._held_titles: set[int] = set()
        self._readings: dict[date, set[str]] = {}  # active patrons' folded readings by birth date
        self._cards_read: set[str] = set()
        self._barcodes_read: set[str] = set()
        self._birth_dates_read: set[date] = set()
        self._email_cards_read: set[str] = set()
        self._pending_patrons: list[tuple[_Patron, dict[str, Any]]] = []
        self._pending_accounts: list[tuple[_Patron, dict[str, Any]]] = []
        self._touched_loans: list[_Loan] = []
        self._audits: list[_Audit] = []
        self._updated_loans: list[_Loan] = []
        self._updated_patrons: list[int] = []

    # -- reading -------------------------------------------------------------------------------

    def load(self, cards: set[str], barcodes: set[str], birth_dates: set[date], email_cards: set[str]) -> None:
        """Read the patrons, copies, open loans and holds the coming operations refer to, the
        readings of people born on the days of their registrations (SPEC 6), and when the patrons
        whose e-mail they change last changed it (SPEC 10).

        The reads go to the session's connection, past the ORM (whose per-query machinery costs
        more than these queries); so the session's own pending changes are flushed first.
        """
        self.session.flush()
        self._connection = self.session.connection()
        for part in in_lists(cards - self._cards_read):
            self._load_patrons(set(part))
        for part in in_lists(email_cards):
            self._load_email_changes(set(part))
        for part in in_lists(barcodes - self._barcodes_read):
            self._load_items(set(part))
        for part in in_lists(birth_dates - self._birth_dates_read):
            self._load_readings(set(part))

    def _load_patrons(self, cards: set[str]) -> None:
        if not cards:
            return
        self._cards_read |= cards
        blocked = exists().where(PatronBlock.patron_id == Patron.id, col(PatronBlock.lifted_at).is_(None))
        with_account = exists().where(InternetAccount.patron_id == Patron.id)
        rows = self._connection.execute(
            select(
                Patron.id,
                Patron.card_number,
                Patron.status,
                Patron.birth_date,
                Patron.email,
                blocked.label("blocked"),
                with_account.label("has_account"),
            ).where(col(Patron.card_number).in_(cards))
        ).all()
        for row in rows:
            self._patrons[row.card_number] = _Patron(
                row.id,
                row.card_number,
                row.status == PatronStatus.ACTIVE,
                bool(row.blocked),
                row.birth_date,
                bool(row.has_account),
                row.email,
                None,
            )

    def _load_email_changes(self, cards: set[str]) -> None:
        """The last change of each of these patrons' e-mail, as `sync.apply` reads it from the audit log."""
        cards = cards - self._email_cards_read
        self._email_cards_read |= cards
        patrons = {str(p.id): p for card in cards if (p := self._patrons.get(card)) is not None and p.id is not None}
        if not patrons:
            return
        if self._row_locks:
            # A patron's own change online waits for the batch, and so comes after it (SPEC 10).
            ids = sorted(int(key) for key in patrons)
            self._connection.execute(
                select(Patron.id).where(col(Patron.id).in_(ids)).order_by(Patron.id).with_for_update()
            )
        changes = self._connection.execute(
            select(AuditEntry.object_id, func.max(AuditEntry.at))
            .where(
                AuditEntry.object_type == "patron",
                col(AuditEntry.object_id).in_(patrons),
                AuditEntry.action == "patron.change_email",
            )
            .group_by(AuditEntry.object_id)
        ).all()
        for object_id, at in changes:
            patrons[object_id].email_changed_at = as_utc(at)

    def _load_items(self, barcodes: set[str]) -> None:
        if not barcodes:
            return
        self._barcodes_read |= barcodes
        query = select(Item.id, Item.barcode, Item.bib_id, Item.status, Item.current_location_id)
        if self._row_locks:
            query = self._lock_items_and_titles(barcodes, query)
        rows = self._connection.execute(query.where(col(Item.barcode).in_(barcodes))).all()
        by_id = {}
        for row in rows:
            item = _Item(row.id, row.barcode, row.bib_id, row.status, row.current_location_id)
            self._items[row.barcode] = by_id[row.id] = item
        loans = self._connection.execute(
            select(
                Loan.id,
                Loan.item_id,
                Loan.patron_id,
                Loan.out_at,
                Loan.location_id,
                Loan.due_date,
                Loan.renewal_count,
                Loan.renewed_at,
            ).where(col(Loan.item_id).in_(by_id), col(Loan.returned_at).is_(None))
        ).all()
        for loan in loans:
            self._open_loans[loan.item_id] = _Loan(
                loan.id,
                by_id[loan.item_id],
                loan.patron_id,
                None,
                loan.out_at,
                loan.location_id,
                loan.due_date,
                loan.renewal_count,
                loan.renewed_at,
            )
        bibs = {item.bib_id for item in by_id.values()}
        self._held_titles |= set(
            self._connection.execute(
                select(Hold.bib_id).where(col(Hold.bib_id).in_(bibs), col(Hold.status).in_(OPEN_HOLD_STATUSES))
            ).scalars()
        )

    def _lock_items_and_titles(self, barcodes: set[str], query: Select[Any]) -> Select[Any]:
        """PostgreSQL: hold the copies (FOR UPDATE) and their titles (FOR SHARE) until the batch commits.

        What the lane read must stay true until it writes: a desk lending or taking back one of
        these copies waits for the batch, and so does a hold placed on one of these titles
        (`holds.place_hold` locks the title first, as this does, so the two cannot deadlock).
        On SQLite the batch's transaction already holds the database's only write lock.
        """
        found = self._connection.execute(select(Item.id, Item.bib_id).where(col(Item.barcode).in_(barcodes))).all()
        titles = sorted({row.bib_id for row in found})
        self._connection.execute(
            select(Bib.id).where(col(Bib.id).in_(titles)).order_by(Bib.id).with_for_update(read=True)
        )
        return query.where(col(Item.id).in_([row.id for row in found])).order_by(Item.id).with_for_update()

    def _load_readings(self, birth_dates: set[date]) -> None:
        if not birth_dates:
            return
        self._birth_dates_read |= birth_dates
        rows = self._connection.execute(
            select(Patron.birth_date, Patron.name_reading).where(
                col(Patron.birth_date).in_(birth_dates), Patron.status == PatronStatus.ACTIVE
            )
        ).all()
        for row in rows:
            self._readings.setdefault(row.birth_date, set()).add(reading_key(row.name_reading))

    # -- the operations ------------------------------------------------------------------------

    def lend(self, ctx: ServiceContext, card: str, barcode: str, due_date: date) -> bool:
        """`offline.record_offline_lend` when nothing disagrees: a shelf copy nobody holds, lent to a
        patron in good standing."""
        patron = self._patrons.get(card)
        item = self._items.get(barcode)
        if (
            patron is None
            or not patron.active
            or patron.blocked
            or item is None
            or item.status != ItemStatus.AVAILABLE
            or item.bib_id in self._held_titles
            or item.id in self._open_loans
        ):
            return False
        item.status = ItemStatus.ON_LOAN
        item.location_id = ctx.location_id
        item.dirty = True
        loan = _Loan(None, item, patron.id, patron, ctx.now, ctx.location_id, due_date, 0)  # type: ignore[arg-type]
        self._open_loans[item.id] = loan
        self._touched_loans.append(loan)
        self._audit(ctx, "loan.lend", "loan", loan, after={"item": item.barcode, "due_date": due_date})
        return True

    def return_item(self, ctx: ServiceContext, barcode: str) -> bool:
        """`offline.record_offline_return` when the copy was on the loan it closes and no hold waits for it."""
        item = self._items.get(barcode)
        if item is None or item.status != ItemStatus.ON_LOAN or item.bib_id in self._held_titles:
            return False
        loan = self._open_loans.get(item.id)
        if loan is None or loan.out_at > ctx.now:
            return False
        loan.returned_at = ctx.now
        loan.returned_location_id = ctx.location_id
        self._touch(loan)
        del self._open_loans[item.id]
        self._audit(ctx, "loan.return", "loan", loan, after={"item": item.barcode})
        item.status = ItemStatus.AVAILABLE
        item.location_id = ctx.location_id
        item.dirty = True
        return True

    def renew(self, ctx: ServiceContext, card: str, barcode: str, new_due: date) -> bool:
        """`offline.record_offline_renewal` when R9 still held at central (no hold, first renewal, no block)."""
        patron = self._patrons.get(card)
        item = self._items.get(barcode)
        if patron is None or not patron.active or patron.blocked or item is None or item.bib_id in self._held_titles:
            return False
        loan = self._open_loans.get(item.id)
        if loan is None or not loan.held_by(patron) or renewals_used_up(loan.renewal_count, self.policy):
            return False
        before = {"due_date": loan.due_date, "renewal_count": loan.renewal_count}
        loan.due_date = new_due
        loan.renewal_count += 1
        loan.renewed_at = ctx.now
        self._touch(loan)
        self._audit(ctx, "loan.renew", "loan", loan, before=before, after={"due_date": new_due})
        return True

    def register(self, ctx: ServiceContext, form: Registration) -> bool:
        """`patrons.register_patron` for a new card number and a person not already registered (SPEC 6)."""
        try:
            clean = validated_registration(form, ctx.today)
        except CentralError:
            return False
        card = clean.card_number
        if card != form.card_number or card not in self._cards_read or card in self._patrons:
            return False
        reading = reading_key(form.name_reading)
        if clean.birth_date not in self._birth_dates_read or reading in self._readings.get(clean.birth_date, ()):
            return False
        values = new_patron_values(ctx, clean)
        patron = _Patron(None, card, True, False, clean.birth_date, False, clean.email, None)
        self._patrons[card] = patron
        self._readings.setdefault(clean.birth_date, set()).add(reading)
        self._pending_patrons.append((patron, values))
        self._audit(ctx, "patron.register", "patron", patron, after={"card_number": card})
        return True

    def apply_internet_service(
        self, ctx: ServiceContext, card: str, document: str, password_hash: str | None, taken_in_at: datetime
    ) -> bool:
        """`accounts.apply_internet_service` from a van (R1, R5) for a patron with no account yet."""
        patron = self._patrons.get(card)
        if patron is None or patron.has_account or password_hash is None:
            return False
        try:
            kind = IdDocumentKind(document)
        except ValueError:
            return False
        if check_internet_service_eligibility(patron.birth_date, ctx.today) is not None:
            return False
        values = new_account_values(ctx, 0, kind, Channel.BOOKMOBILE, password_hash, taken_in_at)
        patron.has_account = True
        self._pending_accounts.append((patron, values))
        facts = application_facts(Channel.BOOKMOBILE, kind, values["active_from"])
        self._audit(ctx, "account.apply", "patron", patron, after=facts)
        return True

    def change_email(self, ctx: ServiceContext, card: str, email: str | None) -> bool:
        """`accounts.change_email`/`remove_email` when no later change was made online (SPEC 10) and R12 passes."""
        patron = self._patrons.get(card)
        if patron is None or (patron.email_changed_at is not None and patron.email_changed_at > ctx.now):
            return False
        address = None
        if email is not None:
            checked = check_email(email)
            if checked.refusal is not None:
                return False
            address = checked.address
        before = {"email": patron.email}
        patron.email = address
        patron.email_changed_at = ctx.now
        patron.email_dirty = True
        self._audit(ctx, "patron.change_email", "patron", patron, before=before, after={"email": address})
        return True

    def _touch(self, loan: _Loan) -> None:
        if loan.id is not None and not loan.dirty:
            self._touched_loans.append(loan)
        loan.dirty = True

    def _audit(
        self,
        ctx: ServiceContext,
        action: str,
        object_type: str,
        subject: _Loan | _Patron,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        values = audit.entry(ctx, action, object_type, subject.id, before=before, after=after)
        self._audits.append(_Audit(list(values.values()), subject if subject.id is None else None))

    # -- writing -------------------------------------------------------------------------------

    def write(self) -> None:
        """Write everything recorded since the last `write`, in the caller's transaction.

        Order matters: patrons before the accounts and loans that point at them; loans closed
        before new ones open on the same copies (one open loan per copy); audit rows last, once
        every id they name exists.
        """
        connection = self.session.connection()
        self._write_patrons(connection)
        self._write_loans(connection)
        items = [item for item in self._items.values() if item.dirty]
        update_rows(
            connection,
            _ITEM,
            "id",
            ("status", "current_location_id", "id"),
            [(item.status, item.location_id, item.id) for item in items],
        )
        note_changes(self.session, Item, items)
        for item in items:
            item.dirty = False
        for entry in self._audits:
            if entry.subject is not None:
                entry.values[_AUDIT_OBJECT_ID] = str(entry.subject.id)
        insert_rows(connection, _AUDIT, audit.COLUMNS, [entry.values for entry in self._audits])
        self._audits = []
        self._refresh_loaded(items)

    def _refresh_loaded(self, items: list[_Item]) -> None:
        """Objects of the session that stand for rows just updated are read again: their holder
        (a service later in the batch, or the caller) must not see them as they were."""
        identities = self.session.identity_map
        updated = (
            [(Item, item.id) for item in items]
            + [(Loan, loan.id) for loan in self._updated_loans]
            + [(Patron, patron_id) for patron_id in self._updated_patrons]
        )
        for model, key in updated:
            loaded = identities.get(self.session.identity_key(model, key))
            if loaded is not None:
                self.session.refresh(loaded)
        self._updated_loans = []
        self._updated_patrons = []

    def _write_patrons(self, connection: Connection) -> None:
        if self._pending_patrons:
            ids = _new_ids(connection, _PATRON, len(self._pending_patrons))
            for (patron, values), patron_id in zip(self._pending_patrons, ids, strict=True):
                patron.id = values["id"] = patron_id
            columns = tuple(self._pending_patrons[0][1])
            insert_rows(connection, _PATRON, columns, [tuple(v.values()) for _, v in self._pending_patrons])
            note_changes(self.session, Patron, [patron for patron, _ in self._pending_patrons])
            self._pending_patrons = []
        changed = [p for p in self._patrons.values() if p.email_dirty]
        update_rows(connection, _PATRON, "id", ("email", "id"), [(p.email, p.id) for p in changed])
        self._updated_patrons = [p.id for p in changed if p.id is not None]
        note_changes(self.session, Patron, changed)
        for patron in changed:
            patron.email_dirty = False
        if self._pending_accounts:
            rows = [{**values, "patron_id": patron.id} for patron, values in self._pending_accounts]
            insert_rows(connection, _ACCOUNT, tuple(rows[0]), [tuple(row.values()) for row in rows])
            note_changes(self.session, InternetAccount, [SimpleNamespace(**row) for row in rows])
            self._pending_accounts = []

    def _write_loans(self, connection: Connection) -> None:
        touched = self._touched_loans
        existing = [loan for loan in touched if loan.id is not None]
        self._updated_loans = existing
        update_rows(
            connection,
            _LOAN,
            "id",
            ("due_date", "renewal_count", "renewed_at", "returned_at", "returned_location_id", "id"),
            [
                (
                    loan.due_date,
                    loan.renewal_count,
                    loan.renewed_at,
                    loan.returned_at,
                    loan.returned_location_id,
                    loan.id,
                )
                for loan in existing
            ],
        )
        new = [loan for loan in touched if loan.id is None]
        for loan, loan_id in zip(new, _new_ids(connection, _LOAN, len(new)), strict=True):
            loan.id = loan_id
            loan.patron_id = loan.holder_id()  # a patron registered in this run has its id by now
        insert_rows(
            connection,
            _LOAN,
            _LOAN_COLUMNS,
            [
                (
                    loan.id,
                    loan.item.id,
                    loan.patron_id,
                    loan.out_at,
                    loan.location_id,
                    loan.due_date,
                    loan.renewal_count,
                    loan.renewed_at,
                    loan.returned_at,
                    loan.returned_location_id,
                )
                for loan in new
            ],
        )
        note_changes(self.session, Loan, touched)
        for loan in touched:
            loan.dirty = False
        self._touched_loans = []


_LOAN_COLUMNS = (
    "id",
    "item_id",
    "patron_id",
    "out_at",
    "location_id",
    "due_date",
    "renewal_count",
    "renewed_at",
    "returned_at",
    "returned_location_id",
)
_AUDIT_OBJECT_ID = audit.COLUMNS.index("object_id")


def _new_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` primary keys for rows about to be inserted with one executemany.

    Inserting with RETURNING would give them too, but SQLite can only promise their order one row
    at a time. PostgreSQL hands them out from the table's sequence; on SQLite the transaction holds
    the database's only write lock (BEGIN IMMEDIATE), so the keys after the highest are free.
    """
    if connection.dialect.name == "postgresql":
        sequence = select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
            func.generate_series(1, count)
        )
        return sorted(connection.execute(sequence).scalars())
    highest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))
