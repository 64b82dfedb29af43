"""The internet service: in-person application (R1-R5), re-issue (R7), sign-in, self-service changes (R6, R11, R12).

The library does not manage passwords (R7): there is no reset link and no recovery by e-mail.
A patron who forgot the password applies again in person; the new temporary password replaces
the old hash, so the old password stops working at once.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from central.errors import AuthenticationFailed, InvalidInput, NotFound, RuleRefused
from central.models import IdDocumentKind, InternetAccount, Patron, PatronStatus
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.services.lookup import patron_by_card
from sync_protocol.activation import Channel, activation_date
from sync_protocol.eligibility import check_internet_service_eligibility
from sync_protocol.email_address import check_email
from sync_protocol.normalize import normalize_password
from sync_protocol.passwords import generate_temporary_password, hash_password, verify_password
from sync_protocol.timezone import tokyo_date

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 64
# Verified against when the card is unknown, so a wrong card costs the same time as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class IssuedPassword:
    """An account and, when central generated it, the temporary password to show once (R4)."""

    account: InternetAccount
    temporary_password: str | None


def account_of(ctx: ServiceContext, patron: Patron) -> InternetAccount | None:
    """The patron's internet account, or None before the first application."""
    return account_of_patron_id(ctx.session, patron.id)


def account_of_patron_id(session: Session, patron_id: int | None) -> InternetAccount | None:
    """`account_of` for code that holds only a session and an id (the web's patron sessions)."""
    return session.exec(select(InternetAccount).where(InternetAccount.patron_id == patron_id)).first()


def _id_document(kind: str) -> IdDocumentKind:
    try:
        return IdDocumentKind(kind)
    except ValueError:
        raise InvalidInput(
            "unknown_id_document",
            "本人確認書類の種類を選んでください(運転免許証・健康保険証など)。",
            "Choose the kind of identity document seen (driving licence, health insurance card, ...).",
        ) from None


def _issue(
    ctx: ServiceContext, channel: Channel, password_hash: str | None, taken_in_at: datetime | None
) -> tuple[str, str | None, datetime]:
    """The hash to store, the password to show (desk only), and when central took it in."""
    taken_in = taken_in_at or ctx.now
    if password_hash is None:
        password = generate_temporary_password()
        return hash_password(password), password, taken_in
    return password_hash, None, taken_in


def apply_internet_service(
    ctx: ServiceContext,
    patron: Patron,
    id_document_kind: str,
    channel: Channel = Channel.DESK,
    *,
    password_hash: str | None = None,
    taken_in_at: datetime | None = None,
) -> IssuedPassword:
    """R1-R5: an in-person application. Central generates the temporary password unless a van
    already did (then only its hash arrives). `taken_in_at` is when central received it (R5)."""
    document = _id_document(id_document_kind)
    refusal = check_internet_service_eligibility(patron.birth_date, ctx.today)
    if refusal is not None:
        raise RuleRefused.from_refusal(refusal)
    with transaction(ctx.session):
        if account_of(ctx, patron) is not None:
            raise RuleRefused(
                "account_exists",
                "この利用者はすでにインターネットサービスに登録済みです。パスワードを忘れた場合は再発行してください。",
                "This patron already has an internet-service account; re-issue the password instead.",
            )
        hashed, password, taken_in = _issue(ctx, channel, password_hash, taken_in_at)
        account = InternetAccount(**new_account_values(ctx, patron.id, document, channel, hashed, taken_in))  # type: ignore[arg-type]
        ctx.session.add(account)
        ctx.session.flush()
        audit.record(
            ctx, "account.apply", "patron", patron.id, after=application_facts(channel, document, account.active_from)
        )
        return IssuedPassword(account, password)


def new_account_values(
    ctx: ServiceContext, patron_id: int, document: IdDocumentKind, channel: Channel, hashed: str, taken_in: datetime
) -> dict[str, Any]:
    """A new account row's columns (shared with set-based intake of vans' applications)."""
    return {
        "patron_id": patron_id,
        "password_hash": hashed,
        "temporary": True,
        "issued_at": ctx.now,
        "issued_location_id": ctx.location_id,
        "id_document_kind": document,
        "active_from": activation_date(channel, tokyo_date(taken_in)),
        "taken_in_at": taken_in,
        "activated_at": ctx.now if channel is Channel.DESK else None,
        "password_changed_at": None,
    }


def application_facts(channel: Channel, document: IdDocumentKind, active_from: date) -> dict[str, Any]:
    """What the audit log keeps of an application (R2: the document's kind, never its number)."""
    return {"channel": channel, "id_document_kind": document, "active_from": active_from}


def reissue_password(
    ctx: ServiceContext,
    patron: Patron,
    id_document_kind: str,
    channel: Channel = Channel.DESK,
    *,
    password_hash: str | None = None,
    taken_in_at: datetime | None = None,
) -> IssuedPassword:
    """R7: a forgotten password is re-issued in person; the old one stops working now."""
    document = _id_document(id_document_kind)
    with transaction(ctx.session):
        account = account_of(ctx, patron)
        if account is None:
            raise NotFound(
                "no_account",
                "この利用者はインターネットサービスに登録されていません。先に利用申込みをしてください。",
                "This patron has no internet-service account yet.",
            )
        hashed, password, taken_in = _issue(ctx, channel, password_hash, taken_in_at)
        before = {"issued_at": account.issued_at, "temporary": account.temporary}
        account.password_hash = hashed
        account.temporary = True
        account.issued_at = ctx.now
        account.issued_location_id = ctx.location_id
        account.id_document_kind = document
        # The new password's first day is its own channel's (R4 at the desk, R5 from a van), not the
        # later of that and the replaced password's: a desk re-issue works the same day even when a
        # van's re-issue taken in today had set tomorrow.
        account.active_from = activation_date(channel, tokyo_date(taken_in))
        account.taken_in_at = taken_in
        account.activated_at = ctx.now if channel is Channel.DESK else None
        ctx.session.add(account)
        audit.record(ctx, "account.reissue", "patron", patron.id, before=before, after={"channel": channel})
        return IssuedPassword(account, password)


def authenticate(ctx: ServiceContext, card_number: str, password: str) -> Patron:
    """Sign in with card number and password (both NFKC-normalised, R15).

    A wrong card and a wrong password get the same answer. Only a patron who proved the password
    learns that it is not usable yet (R5: from the day after central took the application in).
    """
    failed = AuthenticationFailed(
        "sign_in_failed",
        "利用者番号またはパスワードが正しくありません。",
        "The card number or password is incorrect.",
    )
    with transaction(ctx.session):
        try:
            patron = patron_by_card(ctx.session, card_number)
        except (NotFound, InvalidInput):
            verify_password(_DUMMY_HASH, password)
            raise failed from None
        account = account_of(ctx, patron)
        if account is None or patron.status != PatronStatus.ACTIVE:
            verify_password(_DUMMY_HASH, password)
            raise failed
        if not verify_password(account.password_hash, password):
            raise failed
        if ctx.today < account.active_from:
            raise RuleRefused(
                "account_not_yet_active",
                f"このパスワードは{account.active_from:%Y年%m月%d日}からご利用いただけます。",
                f"This password works from {account.active_from:%Y-%m-%d}.",
                active_from=account.active_from,
            )
        return patron


def _check_new_password(new: str) -> str:
    password = normalize_password(new)
    if not (MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH):
        raise InvalidInput(
            "password_length",
            f"パスワードは{MIN_PASSWORD_LENGTH}文字以上{MAX_PASSWORD_LENGTH}文字以内で入力してください。",
            f"The password must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters long.",
        )
    if not all("!" <= c <= "~" for c in password):
        raise InvalidInput(
            "password_characters",
            "パスワードには半角の英字・数字・記号のみ使えます(空白は使えません)。",
            "The password may contain only half-width letters, digits and symbols.",
        )
    return password


def change_password(ctx: ServiceContext, patron: Patron, current: str, new: str) -> InternetAccount:
    """R6/R8: the patron replaces the (temporary) password; the R6 reminder then stops."""
    password = _check_new_password(new)
    with transaction(ctx.session):
        account = account_of(ctx, patron)
        if account is None or not verify_password(account.password_hash, current):
            raise AuthenticationFailed(
                "current_password_wrong", "現在のパスワードが正しくありません。", "The current password is incorrect."
            )
        if verify_password(account.password_hash, password):
            raise InvalidInput(
                "password_unchanged",
                "新しいパスワードが現在のパスワードと同じです。",
                "The new password is the same as the current one.",
            )
        account.password_hash = hash_password(password)
        account.temporary = False
        account.password_changed_at = ctx.now
        ctx.session.add(account)
        audit.record(ctx, "account.change_password", "patron", patron.id)
        return account


def change_email(ctx: ServiceContext, patron: Patron, raw: str) -> Patron:
    """R11/R12: the patron sets their own address; non-RFC forms are refused with the reason."""
    checked = check_email(raw)
    if checked.refusal is not None:
        raise InvalidInput.from_refusal(checked.refusal)
    with transaction(ctx.session):
        before = {"email": patron.email}
        patron.email = checked.address
        ctx.session.add(patron)
        audit.record(ctx, "patron.change_email", "patron", patron.id, before=before, after={"email": patron.email})
        return patron


def remove_email(ctx: ServiceContext, patron: Patron) -> Patron:
    """R11: the patron no longer wants e-mail notices (staff will telephone instead)."""
    with transaction(ctx.session):
        before = {"email": patron.email}
        patron.email = None
        ctx.session.add(patron)
        audit.record(ctx, "patron.change_email", "patron", patron.id, before=before, after={"email": None})
        return patron


def set_email(ctx: ServiceContext, patron: Patron, raw: str | None) -> Patron:
    """A change recorded elsewhere (a van, or an admin taking the van's side): an address, or none."""
    return remove_email(ctx, patron) if raw is None else change_email(ctx, patron, raw)
