"""Applying one operation from a van through the domain services, as of its own time and stop.

Each handler returns the disagreements it met; the ingest turns them into conflict rows. When an
operation cannot be applied at all (unknown card or barcode, a card number that belongs to
someone else), it is held: the outcome is CONFLICT and the operation waits in an open conflict
for an admin, with its full body - nothing a van did is dropped.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from central.errors import CentralError
from central.models import AuditEntry, Hold, InternetAccount, Item, Location, LocationKind, Patron, PatronStatus
from central.services import accounts
from central.services.circulation import open_loan_of
from central.services.context import ServiceContext, transaction
from central.services.loading import record_load
from central.services.lookup import item_by_barcode, patron_by_card
from central.services.offline import (
    Disagreement,
    record_hand_over,
    record_offline_lend,
    record_offline_renewal,
    record_offline_return,
)
from central.services.patrons import Registration, reading_key, register_patron
from sync_protocol import operations as ops
from sync_protocol.activation import Channel
from sync_protocol.batch import Outcome
from sync_protocol.normalize import fold_for_search
from sync_protocol.timezone import TOKYO


class Held(Exception):
    """The operation cannot be applied now; it waits in an open conflict."""

    def __init__(self, disagreement: Disagreement) -> None:
        super().__init__(disagreement.kind)
        self.disagreement = disagreement


@dataclass
class Applied:
    """What applying an operation found (empty when central agreed with the van)."""

    disagreements: list[Disagreement] = field(default_factory=list)


@dataclass(frozen=True)
class OperationContext:
    """A service context for the operation plus when central took it in (R5 counts from then)."""

    ctx: ServiceContext
    received_at: datetime


def _patron(ctx: ServiceContext, card: str) -> Patron:
    try:
        return patron_by_card(ctx.session, card)
    except CentralError as error:
        raise _unknown("unknown_card", f"利用者番号「{card}」", "利用者", error) from None


def _item(ctx: ServiceContext, barcode: str) -> Item:
    try:
        return item_by_barcode(ctx.session, barcode)
    except CentralError as error:
        raise _unknown("unknown_barcode", f"資料バーコード「{barcode}」", "資料", error) from None


def _unknown(kind: str, named: str, what: str, error: CentralError) -> Held:
    """SPEC 7: a card or barcode central does not know; the operation waits for an admin to link it."""
    return Held(
        Disagreement(
            kind,
            f"移動図書館の操作にある{named}が本館に見つかりません。",
            f"保留中:{what}を特定して紐付けるか、操作を無効にしてください。",
            {"error": error.code},
            needs_admin=True,
        )
    )


def _register(oc: OperationContext, p: ops.RegisterPatron) -> Applied:
    ctx = oc.ctx
    existing = ctx.session.exec(select(Patron).where(Patron.card_number == p.card_number)).first()
    if existing is not None:
        if existing.birth_date == p.birth_date and fold_for_search(existing.name_reading) == fold_for_search(
            p.name_reading
        ):
            return Applied()  # the same person's registration, already here
        raise Held(
            Disagreement(
                "card_number_taken",
                f"移動図書館で登録された利用者番号「{p.card_number}」は、本館で別の利用者に使われています。",
                "保留中:どちらかに新しい利用者番号を発行してください。",
                {"patron_id": existing.id, "name": existing.name, "birth_date": existing.birth_date},
                needs_admin=True,
            )
        )
    twins = _same_person(ctx, p)
    patron = register_patron(
        ctx, Registration(p.card_number, p.name, p.name_reading, p.birth_date, p.address, p.phone, p.email)
    )
    if not twins:
        return Applied()
    return Applied(
        [
            Disagreement(
                "duplicate_person",
                f"移動図書館で登録された利用者({patron.card_number})は、既存の利用者と同一人物の可能性があります。",
                "登録は有効にしました。同一人物なら統合してください。",
                {"candidates": [{"patron_id": t.id, "card_number": t.card_number, "name": t.name} for t in twins]},
                needs_admin=True,
            )
        ]
    )


def _same_person(ctx: ServiceContext, p: ops.RegisterPatron) -> list[Patron]:
    """SPEC 6: active patrons with the same reading and birth date (the desk and a van, or two vans)."""
    candidates = ctx.session.exec(
        select(Patron).where(Patron.birth_date == p.birth_date, Patron.status == PatronStatus.ACTIVE)
    ).all()
    reading = reading_key(p.name_reading)
    return [c for c in candidates if reading_key(c.name_reading) == reading]


def _apply_account(oc: OperationContext, p: ops.ApplyInternetService) -> Applied:
    """R7: an application for a patron who already has an account is a re-issue, unless central's
    password is newer than the van's operation (SPEC 11: the later one wins)."""
    ctx = oc.ctx
    patron = _patron(ctx, p.card_number)
    account = accounts.account_of(ctx, patron)
    if account is None:
        accounts.apply_internet_service(
            ctx,
            patron,
            p.id_document_kind,
            Channel.BOOKMOBILE,
            password_hash=p.password_hash,
            taken_in_at=oc.received_at,
        )
        return Applied()
    newer = _newer_password(ctx, account)
    if newer is not None:
        return Applied([newer.disagreement("password_set_later", "インターネットサービス申込み", patron)])
    accounts.reissue_password(
        ctx, patron, p.id_document_kind, Channel.BOOKMOBILE, password_hash=p.password_hash, taken_in_at=oc.received_at
    )
    return Applied(
        [
            Disagreement(
                "account_exists",
                f"移動図書館で申込みを受けた利用者({patron.card_number})は、すでにインターネットサービスに登録済みでした。",
                "本人確認のうえ発行された仮パスワードを有効とし、再発行として扱いました。",
            )
        ]
    )


def _reissue(oc: OperationContext, p: ops.ReissuePassword) -> Applied:
    """SPEC 11, R7: a password central set after the van's re-issue (online, at the desk, on
    another van) is newer and stays."""
    ctx = oc.ctx
    patron = _patron(ctx, p.card_number)
    account = accounts.account_of(ctx, patron)
    newer = _newer_password(ctx, account) if account is not None else None
    if newer is not None:
        kind = "password_changed_online" if newer.online else "password_set_later"
        return Applied([newer.disagreement(kind, "パスワード再発行", patron)])
    accounts.reissue_password(
        ctx, patron, p.id_document_kind, Channel.BOOKMOBILE, password_hash=p.password_hash, taken_in_at=oc.received_at
    )
    return Applied()


@dataclass(frozen=True)
class _NewerPassword:
    """Central's current password, set after the van's operation: when, and how (in Japanese)."""

    at: datetime
    online: bool
    event: str  # what happened, as the end of a sentence
    kept: str  # the password that stays, as a noun

    def disagreement(self, kind: str, operation: str, patron: Patron) -> Disagreement:
        when = f"{self.at.astimezone(TOKYO):%Y-%m-%d %H:%M}"
        return Disagreement(
            kind,
            f"移動図書館での{operation}({patron.card_number})の後、{when}に{self.event}。",
            f"新しい方({self.kept})を有効とし、移動図書館で発行した仮パスワードは反映しませんでした。",
            {"password_set_at": self.at, "password_set_by": self.kept},
        )


def _newer_password(ctx: ServiceContext, account: InternetAccount) -> _NewerPassword | None:
    """SPEC 11: central's password when it was set after the van's operation (`ctx.now`), else None.

    The current hash was set by the later of the last issue (an application or re-issue, at the
    desk or from a van: `issued_at`) and the patron's last online change (`password_changed_at`).
    """
    at, online = account.issued_at, False
    if account.password_changed_at is not None and account.password_changed_at >= at:
        at, online = account.password_changed_at, True
    if at <= ctx.now:
        return None
    if online:
        return _NewerPassword(at, True, "利用者がウェブでパスワードを変更していました", "ウェブで変更したパスワード")
    where = _issued_where(ctx, account.issued_location_id)
    return _NewerPassword(at, False, f"{where}でパスワードを発行していました", f"{where}で発行したパスワード")


def _issued_where(ctx: ServiceContext, location_id: int) -> str:
    """Where a password was issued in person: the main library's desk, or a bookmobile (or its stop)."""
    location = ctx.session.get(Location, location_id)
    if location is None or location.kind == LocationKind.MAIN:
        return "本館の窓口"
    if location.kind == LocationKind.STOP:
        return f"移動図書館のステーション「{location.name}」"
    return f"「{location.name}」"


def _change_email(oc: OperationContext, p: ops.ChangeEmail) -> Applied:
    """SPEC 10: the later change wins; the other side's address is kept in the conflict row."""
    ctx = oc.ctx
    patron = _patron(ctx, p.card_number)
    online = _last_email_change(ctx, patron)
    if online is not None and online > ctx.now:
        return Applied(
            [
                Disagreement(
                    "email_changed_both",
                    f"移動図書館で記録されたメールアドレス変更({patron.card_number})より後に、利用者がウェブで変更していました。",
                    "新しい方(ウェブでの変更)を有効としました。",
                    {"email": patron.email, "changed_at": online},
                )
            ]
        )
    accounts.set_email(ctx, patron, p.email)
    return Applied()


def _last_email_change(ctx: ServiceContext, patron: Patron) -> datetime | None:
    return ctx.session.exec(
        select(AuditEntry.at)
        .where(
            AuditEntry.action == "patron.change_email",
            AuditEntry.object_type == "patron",
            AuditEntry.object_id == str(patron.id),
        )
        .order_by(col(AuditEntry.at).desc())
        .limit(1)
    ).first()


def _lend(oc: OperationContext, p: ops.Lend) -> Applied:
    patron = _patron(oc.ctx, p.card_number)
    item = _item(oc.ctx, p.barcode)
    _, found = record_offline_lend(oc.ctx, patron, item, p.due_date)
    return Applied(found)


def _return(oc: OperationContext, p: ops.Return) -> Applied:
    item = _item(oc.ctx, p.barcode)
    _, found = record_offline_return(oc.ctx, item)
    return Applied(found)


def _renew(oc: OperationContext, p: ops.Renew) -> Applied:
    ctx = oc.ctx
    patron = _patron(ctx, p.card_number)
    item = _item(ctx, p.barcode)
    loan = open_loan_of(ctx, item)
    if loan is None or loan.patron_id != patron.id:
        raise Held(
            Disagreement(
                "renewal_of_unknown_loan",
                f"移動図書館で延長された資料({item.barcode})は、本館ではこの利用者に貸出中ではありません。",
                "保留中:貸出の状態を確認してください。",
                {"loan_patron_id": loan.patron_id if loan else None},
                needs_admin=True,
            )
        )
    _, found = record_offline_renewal(ctx, loan, p.new_due)
    return Applied(found)


def _hand_over(oc: OperationContext, p: ops.HandOverHold) -> Applied:
    ctx = oc.ctx
    patron = _patron(ctx, p.card_number)
    item = _item(ctx, p.barcode)
    hold = ctx.session.get(Hold, p.hold_id)
    if hold is None:
        _, found = record_offline_lend(ctx, patron, item, p.due_date)
        return Applied(found)
    _, found = record_hand_over(ctx, hold, patron, item, p.due_date)
    return Applied(found)


def _load(oc: OperationContext, p: ops.LoadHoldCopy) -> Applied:
    """A copy scanned onto the van for a hold at one of its stops (docs/routes.md)."""
    item = _item(oc.ctx, p.barcode)
    return Applied(record_load(oc.ctx, oc.ctx.session.get(Hold, p.hold_id), item))


HANDLERS: dict[ops.OperationType, Callable[[OperationContext, ops.Payload], Applied]] = {
    ops.OperationType.REGISTER_PATRON: _register,  # type: ignore[dict-item]
    ops.OperationType.APPLY_INTERNET_SERVICE: _apply_account,  # type: ignore[dict-item]
    ops.OperationType.REISSUE_PASSWORD: _reissue,  # type: ignore[dict-item]
    ops.OperationType.CHANGE_EMAIL: _change_email,  # type: ignore[dict-item]
    ops.OperationType.LEND: _lend,  # type: ignore[dict-item]
    ops.OperationType.RETURN: _return,  # type: ignore[dict-item]
    ops.OperationType.RENEW: _renew,  # type: ignore[dict-item]
    ops.OperationType.HAND_OVER_HOLD: _hand_over,  # type: ignore[dict-item]
    ops.OperationType.LOAD_HOLD_COPY: _load,  # type: ignore[dict-item]
}


def apply_payload(oc: OperationContext, payload: ops.Payload) -> tuple[Outcome, Applied]:
    """Apply one payload in a savepoint: APPLIED (maybe with disagreements) or raises Held."""
    handler = HANDLERS[payload.TYPE]
    try:
        with transaction(oc.ctx.session):
            return Outcome.APPLIED, handler(oc, payload)
    except Held:
        raise
    except CentralError as error:
        raise Held(
            Disagreement(
                error.code,
                f"移動図書館の操作を本館で適用できませんでした:{error.ja}",
                "保留中:内容を確認して判断してください。",
                {"error": error.code},
                needs_admin=True,
            )
        ) from error
