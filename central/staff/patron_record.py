"""The staff view of one patron (loans, holds, blocks, internet-service account) and patron search."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, or_, select

from central.models import Location, Patron, PatronBlock
from central.services.accounts import account_of
from central.services.context import ServiceContext, transaction
from central.services.lookup import patron_by_id
from central.services.patron_view import HoldView, LoanView, holds_of, loans_of
from sync_protocol.eligibility import is_eligible_for_internet_service
from sync_protocol.normalize import nfkc, normalize_card_number

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class AccountView:
    """R4-R7 as the desk needs it: temporary or not, usable from when, which document was seen."""

    temporary: bool
    active_from: date
    issued_at: datetime
    id_document_kind: str
    password_changed_at: datetime | None


@dataclass(frozen=True)
class BlockView:
    id: int
    reason: str
    note: str
    created_at: datetime


@dataclass(frozen=True)
class PatronRecord:
    id: int
    card_number: str
    name: str
    name_reading: str
    birth_date: date
    address: str
    phone: str
    email: str | None
    status: str
    merged_into_id: int | None
    registered_at: datetime
    registered_where: str
    eligible_for_internet: bool
    account: AccountView | None
    blocks: list[BlockView]
    loans: list[LoanView]
    holds: list[HoldView]


@dataclass(frozen=True)
class PatronHit:
    id: int
    card_number: str
    name: str
    name_reading: str
    birth_date: date
    status: str


def _account(ctx: ServiceContext, patron: Patron) -> AccountView | None:
    account = account_of(ctx, patron)
    if account is None:
        return None
    return AccountView(
        account.temporary, account.active_from, account.issued_at, account.id_document_kind, account.password_changed_at
    )


def _blocks(ctx: ServiceContext, patron: Patron) -> list[BlockView]:
    rows = ctx.session.exec(
        select(PatronBlock)
        .where(PatronBlock.patron_id == patron.id, col(PatronBlock.lifted_at).is_(None))
        .order_by(col(PatronBlock.created_at))
    ).all()
    return [BlockView(b.id, b.reason, b.note, b.created_at) for b in rows]  # type: ignore[arg-type]


def patron_record(ctx: ServiceContext, patron_id: int) -> PatronRecord:
    with transaction(ctx.session):
        patron = patron_by_id(ctx.session, patron_id)
        where = ctx.session.get(Location, patron.registered_location_id)
        return PatronRecord(
            id=patron_id,
            card_number=patron.card_number,
            name=patron.name,
            name_reading=patron.name_reading,
            birth_date=patron.birth_date,
            address=patron.address,
            phone=patron.phone,
            email=patron.email,
            status=patron.status,
            merged_into_id=patron.merged_into_id,
            registered_at=patron.registered_at,
            registered_where=where.name if where else "",
            eligible_for_internet=is_eligible_for_internet_service(patron.birth_date, ctx.today),
            account=_account(ctx, patron),
            blocks=_blocks(ctx, patron),
            loans=loans_of(ctx, patron),
            holds=holds_of(ctx, patron),
        )


def _spellings(words: str) -> set[str]:
    """The text as typed, in hiragana and in katakana (readings are stored either way)."""
    hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in words)
    katakana = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in words)
    return {words, hiragana, katakana}


def find_patrons(ctx: ServiceContext, text: str) -> list[PatronHit]:
    """By card number (exact, full-width accepted), else by part of the name or its reading."""
    words = nfkc(text)
    if not words:
        return []
    card = normalize_card_number(words)
    if card.isdigit():
        query = select(Patron).where(Patron.card_number == card)
    else:
        patterns = [f"%{s}%" for s in _spellings(words)]
        matches = [col(Patron.name).like(p) for p in patterns] + [col(Patron.name_reading).like(p) for p in patterns]
        query = select(Patron).where(or_(*matches)).order_by(col(Patron.name_reading), col(Patron.id))
    with transaction(ctx.session):
        rows = ctx.session.exec(query.limit(SEARCH_LIMIT)).all()
        return [
            PatronHit(p.id, p.card_number, p.name, p.name_reading, p.birth_date, p.status)  # type: ignore[arg-type]
            for p in rows
        ]
