"""Registering patrons and managing the blocks that stop them borrowing."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import select

from central.errors import InvalidInput, NotFound, RuleRefused
from central.models import Patron, PatronBlock, PatronStatus
from central.services import audit
from central.services.context import ServiceContext, transaction
from sync_protocol.email_address import check_email
from sync_protocol.normalize import fold_for_search, is_well_formed_card_number, nfkc, normalize_card_number

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class Registration:
    """What staff write down when a person gets a library card."""

    card_number: str
    name: str
    name_reading: str
    birth_date: date
    address: str = ""
    phone: str = ""
    email: str | None = None


def validated_registration(form: Registration, today: date) -> Registration:
    """The form normalised (NFKC, card number, R12 e-mail), or InvalidInput saying what is wrong."""
    card = normalize_card_number(form.card_number)
    if not is_well_formed_card_number(card):
        raise InvalidInput(
            "malformed_card_number",
            "利用者番号の形式が正しくありません(半角数字6〜14桁)。",
            "The card number must be 6-14 digits.",
        )
    name = nfkc(form.name)
    if not name:
        raise InvalidInput("name_required", "氏名を入力してください。", "A name is required.")
    if form.birth_date > today or form.birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidInput(
            "implausible_birth_date",
            "生年月日が正しくありません。",
            "The birth date is not plausible.",
        )
    email = None
    if form.email and form.email.strip():
        checked = check_email(form.email)
        if checked.refusal is not None:
            raise InvalidInput.from_refusal(checked.refusal)
        email = checked.address
    return Registration(
        card, name, nfkc(form.name_reading), form.birth_date, nfkc(form.address), nfkc(form.phone), email
    )


def new_patron_values(ctx: ServiceContext, clean: Registration) -> dict[str, Any]:
    """The new patron row's columns, from a validated form (shared with set-based registration)."""
    return {
        "card_number": clean.card_number,
        "name": clean.name,
        "name_reading": clean.name_reading,
        "birth_date": clean.birth_date,
        "address": clean.address,
        "phone": clean.phone,
        "email": clean.email,
        "status": PatronStatus.ACTIVE,
        "registered_at": ctx.now,
        "registered_location_id": ctx.location_id,
    }


def register_patron(ctx: ServiceContext, form: Registration) -> Patron:
    """Give a person a library card. The card number must be new (cards come pre-printed)."""
    clean = validated_registration(form, ctx.today)
    with transaction(ctx.session):
        taken = ctx.session.exec(select(Patron.id).where(Patron.card_number == clean.card_number)).first()
        if taken is not None:
            raise RuleRefused(
                "card_number_taken",
                f"利用者番号「{clean.card_number}」はすでに使われています。",
                f"The card number {clean.card_number} is already in use.",
                card_number=clean.card_number,
            )
        patron = Patron(**new_patron_values(ctx, clean))
        ctx.session.add(patron)
        ctx.session.flush()
        audit.record(ctx, "patron.register", "patron", patron.id, after={"card_number": patron.card_number})
        return patron


def reading_key(reading: str) -> str:
    """SPEC 6: a name reading as compared to find the same person registered twice (kana and
    width folded, spaces ignored)."""
    return fold_for_search(reading).replace(" ", "")


def active_blocks(ctx: ServiceContext, patron: Patron) -> list[PatronBlock]:
    """Blocks in force on the patron (not lifted)."""
    query = select(PatronBlock).where(PatronBlock.patron_id == patron.id, PatronBlock.lifted_at.is_(None))  # type: ignore[union-attr]
    return list(ctx.session.exec(query))


def ensure_may_borrow(ctx: ServiceContext, patron: Patron) -> None:
    """Refuse a patron whose record is merged/withdrawn or who has a block in force."""
    if patron.status != PatronStatus.ACTIVE:
        raise RuleRefused(
            "patron_inactive",
            "この利用者カードは現在使用できません。窓口でご確認ください。",
            "This card is no longer in use.",
        )
    if active_blocks(ctx, patron):
        raise RuleRefused(
            "patron_blocked",
            "この利用者は現在貸出・予約を停止しています。窓口でご確認ください。",
            "This patron is blocked from borrowing.",
        )


def add_block(ctx: ServiceContext, patron: Patron, reason: str, note: str = "") -> PatronBlock:
    """Stop the patron borrowing until the block is lifted."""
    with transaction(ctx.session):
        block = PatronBlock(patron_id=patron.id, reason=reason, note=note, created_at=ctx.now)  # type: ignore[arg-type]
        ctx.session.add(block)
        ctx.session.flush()
        audit.record(ctx, "patron.block", "patron", patron.id, after={"reason": reason, "note": note})
        return block


def lift_block(ctx: ServiceContext, block_id: int) -> PatronBlock:
    """Lift a block; the patron may borrow again if no other block is in force."""
    with transaction(ctx.session):
        block = ctx.session.get(PatronBlock, block_id)
        if block is None or block.lifted_at is not None:
            raise NotFound("unknown_block", "解除できる貸出停止がありません。", "No such block in force.")
        block.lifted_at = ctx.now
        ctx.session.add(block)
        audit.record(ctx, "patron.unblock", "patron", block.patron_id, before={"reason": block.reason})
        return block
