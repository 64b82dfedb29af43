"""An admin's decision on a conflict (B5): applied through the services in one transaction, once.

Each decision fits some kinds of conflict only (`actions_for`). A conflict that holds a van
operation (outcome "conflict") is closed by applying that operation - as is, or after linking an
unknown barcode or card - as of its own effective time and stop, or by voiding it with a reason.
The decision, who took it and why are written on the conflict and in the audit log.

Two admins deciding the same conflict at the same moment: the first claims the row with a
compare-and-set on its status, the second gets "already resolved" and nothing of its work stays.
"""

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from central.bulk import ids
from central.errors import CentralError, InvalidInput, NotFound, RuleRefused
from central.models import Conflict, ConflictStatus, Patron, StaffUser, SyncNode, SyncOperation
from central.services import accounts, audit
from central.services.context import ServiceContext, transaction
from central.services.lookup import item_by_barcode, patron_by_card, patron_by_id
from central.services.merge import merge_patrons
from central.sync.apply import Held, OperationContext, apply_payload
from central.sync.conflicts import raise_conflict
from central.sync.devices import EnrolmentCode, issue_enrolment_code
from central.sync.stops import location_for_stop
from sync_protocol import operations as ops
from sync_protocol.activation import Channel
from sync_protocol.batch import Outcome
from sync_protocol.normalize import is_well_formed_card_number, normalize_card_number
from sync_protocol.timezone import TOKYO

UNRESOLVED = (ConflictStatus.OPEN, ConflictStatus.AUTO)
# Kinds whose held operation names something central does not know, which an admin can link.
LINKABLE = frozenset({"unknown_barcode", "unknown_card", "card_number_taken"})
TAKE_VAN_SIDE = frozenset({"email_changed_both", "password_changed_online"})
VOIDED_CODE = "voided"


class Action(StrEnum):
    KEEP = "keep"  # keep the default central took (or: nothing to change) and close
    TAKE_VAN = "take_van"  # the van's value wins after all (e-mail address, re-issued password)
    MERGE = "merge"  # two records of one person become one
    LINK = "link"  # name the item or patron the van meant, then apply the held operation
    RETRY = "retry"  # apply the held operation as it is (what blocked it has been fixed)
    VOID = "void"  # the held operation is dropped for good, with a reason
    REENROL = "reenrol"  # a quarantined node gets a new one-time enrolment code


@dataclass(frozen=True)
class Decision:
    """What the admin chose, with the values the action needs."""

    action: Action
    reason: str = ""
    barcode: str | None = None
    card_number: str | None = None
    keep_patron_id: int | None = None
    drop_patron_id: int | None = None


@dataclass(frozen=True)
class DecisionResult:
    """The closed conflict, the one-time code of a re-enrolment, and conflicts the application met."""

    conflict: Conflict
    enrolment: EnrolmentCode | None = None
    raised: tuple[int, ...] = ()


@dataclass
class _Done:
    """What a handler did: the Japanese line stored on the conflict, and facts for the audit row."""

    description: str
    facts: dict[str, Any] = field(default_factory=dict)
    enrolment: EnrolmentCode | None = None
    raised: tuple[int, ...] = ()


class AlreadyResolved(RuleRefused):
    """Someone else decided this conflict first (or it was closed before the page was reloaded)."""

    def __init__(self, conflict: Conflict, who: str) -> None:
        when = f"{conflict.resolved_at.astimezone(TOKYO):%Y-%m-%d %H:%M}" if conflict.resolved_at else ""
        super().__init__(
            "conflict_already_resolved",
            f"この競合はすでに処理されています(処理者 {who}、{when})。" "画面を開き直して結果を確認してください。",
            f"Conflict {conflict.id} was already resolved by {conflict.resolved_by}.",
            conflict_id=conflict.id,
        )


class StillHeld(RuleRefused):
    """The held operation still cannot be applied; nothing was changed."""

    def __init__(self, summary: str) -> None:
        super().__init__(
            "operation_still_held",
            f"操作をまだ適用できません:{summary}",
            "The held operation still cannot be applied.",
        )


def envelope_of(operation: SyncOperation) -> ops.Operation:
    """The van's operation as it arrived (its canonical body is kept for exactly this)."""
    return ops.Operation.from_dict(json.loads(operation.body))


def is_held(conflict: Conflict, operation: SyncOperation | None) -> bool:
    """True when this conflict is what keeps the operation from being applied."""
    return (
        operation is not None
        and conflict.status == ConflictStatus.OPEN
        and operation.outcome == Outcome.CONFLICT
        and operation.code == conflict.kind
        and conflict.kind != "restored_node"
    )


def actions_for(conflict: Conflict, operation: SyncOperation | None) -> tuple[Action, ...]:
    """The decisions that fit this conflict now (none once it is closed)."""
    if conflict.status not in UNRESOLVED:
        return ()
    if conflict.kind == "restored_node":
        return (Action.REENROL, Action.VOID)
    if is_held(conflict, operation):
        return (Action.LINK, Action.RETRY, Action.VOID) if conflict.kind in LINKABLE else (Action.RETRY, Action.VOID)
    if conflict.kind == "duplicate_person":
        return (Action.MERGE, Action.KEEP)
    if conflict.kind in TAKE_VAN_SIDE and operation is not None:
        return (Action.KEEP, Action.TAKE_VAN)
    return (Action.KEEP,)


def load_conflict(ctx: ServiceContext, conflict_id: int) -> tuple[Conflict, SyncOperation | None]:
    """The conflict as stored now (not as an earlier read in this session saw it), and its operation."""
    conflict = ctx.session.get(Conflict, conflict_id, populate_existing=True)
    if conflict is None:
        raise NotFound("unknown_conflict", "競合が見つかりません。", "No such conflict.")
    operation = ctx.session.get(SyncOperation, conflict.operation_id) if conflict.operation_id else None
    return conflict, operation


def _claim(ctx: ServiceContext, conflict: Conflict, status: ConflictStatus) -> None:
    """Compare-and-set: only the first decision moves the row out of open/auto."""
    claimed = ctx.session.execute(
        update(Conflict)
        .where(col(Conflict.id) == conflict.id, col(Conflict.status).in_(UNRESOLVED))
        .values(status=status, resolved_by=ctx.actor, resolved_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        ctx.session.refresh(conflict)
        raise _already_resolved(ctx, conflict)


def _already_resolved(ctx: ServiceContext, conflict: Conflict) -> AlreadyResolved:
    """The refusal, naming the staff member who decided first."""
    who = conflict.resolved_by
    kind, _, number = who.partition(":")
    user = ctx.session.get(StaffUser, int(number)) if kind == "staff" and number.isdigit() else None
    return AlreadyResolved(conflict, f"{user.display_name}({who})" if user else who)


def decide(ctx: ServiceContext, conflict_id: int, decision: Decision) -> DecisionResult:
    """Apply `decision` to the conflict in one transaction; refuse one that does not fit."""
    reason = decision.reason.strip()
    if decision.action is Action.VOID and not reason:
        raise InvalidInput("reason_required", "無効にする理由を入力してください。", "Give a reason for voiding.")
    with transaction(ctx.session):
        conflict, operation = load_conflict(ctx, conflict_id)
        if conflict.status not in UNRESOLVED:
            raise _already_resolved(ctx, conflict)
        if decision.action not in actions_for(conflict, operation):
            raise RuleRefused(
                "decision_does_not_fit",
                "この競合には選べない処理です。",
                f"{decision.action} does not fit a {conflict.kind} conflict.",
            )
        before = {"status": conflict.status, "kind": conflict.kind, "operation_outcome": _outcome(operation)}
        status = ConflictStatus.VOIDED if decision.action is Action.VOID else ConflictStatus.RESOLVED
        _claim(ctx, conflict, status)
        done = _HANDLERS[decision.action](ctx, conflict, operation, decision)
        conflict.status = status
        conflict.resolved_by = ctx.actor
        conflict.resolved_at = ctx.now
        conflict.resolution = (done.description + (f" 理由:{reason}" if reason else ""))[:500]
        ctx.session.add(conflict)
        after = {"status": status, "decision": decision.action, "reason": reason, **done.facts}
        audit.record(ctx, "conflict.resolve", "conflict", conflict.id, before=before, after=after)
        return DecisionResult(conflict, done.enrolment, done.raised)


def settle_unreviewed(ctx: ServiceContext, raised_before: datetime, review_days: int) -> list[int]:
    """Close every automatic conflict raised before `raised_before` that nobody reviewed; returns their ids.

    An automatic conflict's default has been in force since it was raised; the review is an
    admin's chance to override it, and it cannot stay open for ever: an undecided conflict keeps
    the van's operation and both sides' facts, which no-reading-history forbids keeping. So once
    its review window (`review_days`) has passed, the default is confirmed the way an admin's
    "keep" would confirm it (`decide`, one transaction each), with the window as the reason.
    Whichever claims the conflict first wins: an admin deciding it at the same moment, or the
    night. One the night cannot decide stays open and is skipped, so the rest still are.
    """
    with transaction(ctx.session):
        unreviewed = ids(
            ctx.session,
            select(Conflict.id)
            .where(Conflict.status == ConflictStatus.AUTO, col(Conflict.created_at) < raised_before)
            .order_by(col(Conflict.id)),
        )
    reason = f"確認期間({review_days}日)を過ぎたため、夜間処理で確定しました。"
    settled = []
    for conflict_id in unreviewed:
        try:
            decide(ctx, conflict_id, Decision(Action.KEEP, reason))
        except CentralError:  # already decided, or no longer fits: left to an admin
            continue
        settled.append(conflict_id)
    return settled


def _outcome(operation: SyncOperation | None) -> str | None:
    return operation.outcome if operation is not None else None


def _keep(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None, _d: Decision) -> _Done:
    if conflict.kind == "duplicate_person":
        return _Done("別人として、両方の登録をそのまま残しました。")
    return _Done("既定の処理を承認しました。")


def _take_van(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None, _d: Decision) -> _Done:
    """SPEC 10/11 the other way round: the van's e-mail address or re-issued password wins."""
    assert operation is not None
    payload = envelope_of(operation).payload
    patron = patron_by_card(ctx.session, payload.card_number)  # type: ignore[union-attr]
    if isinstance(payload, ops.ChangeEmail):
        accounts.set_email(ctx, patron, payload.email)
        return _Done("移動図書館で記録されたメールアドレスを採用しました。", {"email": payload.email})
    if isinstance(payload, ops.ReissuePassword):
        accounts.reissue_password(
            ctx,
            patron,
            payload.id_document_kind,
            Channel.BOOKMOBILE,
            password_hash=payload.password_hash,
            taken_in_at=operation.received_at,
        )
        return _Done("移動図書館で再発行した仮パスワードを有効にしました(ウェブで変更したパスワードは無効です)。")
    raise RuleRefused("decision_does_not_fit", "この競合には選べない処理です。", "Nothing to take from the van.")


def involved_patrons(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None) -> list[Patron]:
    """SPEC 6: the record the van registered and the existing records that look like the same person."""
    found: list[Patron] = []
    if operation is not None and isinstance(payload := envelope_of(operation).payload, ops.RegisterPatron):
        registered = ctx.session.exec(select(Patron).where(Patron.card_number == payload.card_number)).first()
        if registered is not None:
            found.append(registered)
    facts = json.loads(conflict.central_facts or "{}")
    for candidate in facts.get("candidates", []):
        patron = ctx.session.get(Patron, candidate.get("patron_id"))
        if patron is not None and patron not in found:
            found.append(patron)
    return found


def _merge(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None, d: Decision) -> _Done:
    ids = {p.id for p in involved_patrons(ctx, conflict, operation)}
    if d.keep_patron_id not in ids or d.drop_patron_id not in ids:
        raise InvalidInput(
            "merge_choice",
            "この競合に関係する利用者から、残す記録と統合する記録を選んでください。",
            "Choose the record to keep and the one to merge among this conflict's patrons.",
        )
    keep = patron_by_id(ctx.session, d.keep_patron_id)  # type: ignore[arg-type]
    drop = patron_by_id(ctx.session, d.drop_patron_id)  # type: ignore[arg-type]
    report = merge_patrons(ctx, keep, drop)
    return _Done(
        f"利用者 {drop.card_number} を {keep.card_number} に統合しました。",
        {"kept_patron_id": keep.id, "merged_patron_id": drop.id, "holds_cancelled": list(report.holds_cancelled)},
    )


def _linked_payload(ctx: ServiceContext, payload: ops.Payload, d: Decision) -> tuple[ops.Payload, dict[str, str]]:
    """The payload with the barcode and/or card number the admin named (each checked first)."""
    changes: dict[str, str] = {}
    if d.barcode and d.barcode.strip():
        changes["barcode"] = item_by_barcode(ctx.session, d.barcode).barcode
    if d.card_number and d.card_number.strip():
        if isinstance(payload, ops.RegisterPatron):
            card = normalize_card_number(d.card_number)
            if not is_well_formed_card_number(card):
                raise InvalidInput("malformed_card_number", "利用者番号の形式が正しくありません。", "Bad card number.")
            changes["card_number"] = card
        else:
            changes["card_number"] = patron_by_card(ctx.session, d.card_number).card_number
    if not changes:
        raise InvalidInput(
            "link_target_required", "紐付ける資料バーコードか利用者番号を入力してください。", "Name an item or a card."
        )
    names = {f.name for f in dataclasses.fields(payload)}  # type: ignore[arg-type]
    if not set(changes) <= names:
        raise InvalidInput(
            "link_does_not_fit", "この操作には紐付けられない項目です。", "The operation has no such field."
        )
    return dataclasses.replace(payload, **changes), changes  # type: ignore[type-var]


def _apply_held(
    ctx: ServiceContext, conflict: Conflict, operation: SyncOperation, payload: ops.Payload, linked: dict[str, str]
) -> tuple[int, ...]:
    """Apply the held operation as of its own time and stop; what it meets becomes new conflicts."""
    envelope = envelope_of(operation)
    node = ctx.session.get(SyncNode, operation.node_id)
    assert node is not None
    stop = location_for_stop(ctx, node, envelope.stop_code)
    as_then = ServiceContext(ctx.session, ctx.policy, ctx.actor, stop, operation.effective_at)
    try:
        outcome, applied = apply_payload(OperationContext(as_then, operation.received_at), payload)
    except Held as held:
        raise StillHeld(held.disagreement.summary) from None
    facts = {"operation": envelope.to_dict(), "linked": linked, "decided_in_conflict": conflict.id}
    raised = [raise_conflict(ctx, node, operation, found, facts) for found in applied.disagreements]
    operation.outcome = outcome
    operation.code = applied.disagreements[0].kind if applied.disagreements else ""
    ctx.session.add(operation)
    return tuple(c.id for c in raised)  # type: ignore[misc]


def _link(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None, d: Decision) -> _Done:
    assert operation is not None
    payload, linked = _linked_payload(ctx, envelope_of(operation).payload, d)
    raised = _apply_held(ctx, conflict, operation, payload, linked)
    named = "、".join(f"{'資料' if k == 'barcode' else '利用者番号'} {v}" for k, v in linked.items())
    facts = {"linked": linked, "raised": list(raised)}
    return _Done(f"{named} に紐付けて、保留中の操作を適用しました。", facts, None, raised)


def _retry(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None, _d: Decision) -> _Done:
    assert operation is not None
    raised = _apply_held(ctx, conflict, operation, envelope_of(operation).payload, {})
    return _Done("保留中の操作をそのまま適用しました。", {"raised": list(raised)}, None, raised)


def _void(ctx: ServiceContext, conflict: Conflict, operation: SyncOperation | None, _d: Decision) -> _Done:
    if conflict.kind == "restored_node" or operation is None:
        return _Done("届いた操作は適用せずに破棄しました。")
    operation.outcome = Outcome.REJECTED
    operation.code = VOIDED_CODE
    ctx.session.add(operation)
    return _Done("保留中の操作を無効にしました(適用しません)。", {"operation_id": operation.id})


def _reenrol(ctx: ServiceContext, conflict: Conflict, _o: SyncOperation | None, _d: Decision) -> _Done:
    node = ctx.session.get(SyncNode, conflict.node_id) if conflict.node_id else None
    if node is None:
        raise NotFound("unknown_node", "端末が見つかりません。", "No node for this conflict.")
    issued = issue_enrolment_code(ctx, node)
    return _Done(
        f"端末「{node.code}」に新しい登録コードを発行しました(再登録を待っています)。",
        {"node": node.code, "expires_at": node.enrol_expires_at},
        issued,
    )


_HANDLERS: dict[Action, Callable[[ServiceContext, Conflict, SyncOperation | None, Decision], _Done]] = {
    Action.KEEP: _keep,
    Action.TAKE_VAN: _take_van,
    Action.MERGE: _merge,
    Action.LINK: _link,
    Action.RETRY: _retry,
    Action.VOID: _void,
    Action.REENROL: _reenrol,
}
