"""Circulation upkeep the nightly job does: next-day activation (R5), forgetting returned loans,
closed holds and what the vans' operations said.

Japanese libraries keep no reading history: once a loan is returned or a hold is closed (and the
configured grace period has passed) nothing may tie the patron to the copy or the title any more.
The loan and hold rows stay, without their patron, so statistics keep their counts; so does each
van operation's row, without its body.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, update
from sqlmodel import col, select

from central.bulk import ids, in_lists
from central.models import (
    AuditEntry,
    Conflict,
    ConflictStatus,
    Hold,
    HoldStatus,
    InternetAccount,
    Loan,
    SyncOperation,
)
from central.models.circulation import CLOSED_HOLD_STATUSES
from central.services import audit
from central.services.context import ServiceContext, transaction

# What a patron's own action on a loan or hold (a web renewal, a hold placed or cancelled on the
# web) leaves as the audit actor once forgotten.
ANONYMOUS_PATRON = "patron:-"
# Audit rows about a patron that list the holds they cancelled (a merge of duplicate records, and
# the conflict decision that ordered it): once those holds are forgotten, only their number stays.
_LISTS_CANCELLED_HOLDS = ("patron.merge", "conflict.resolve")


def activate_due_accounts(ctx: ServiceContext) -> list[int]:
    """R5: bookmobile applications taken in before today become active; returns the patrons' ids.

    Sign-in already refuses a password before `active_from`; this marks the activation in the
    records (and the audit log) on the day it happens, as the library's page describes it.
    """
    with transaction(ctx.session):
        accounts = ctx.session.exec(
            select(InternetAccount)
            .where(col(InternetAccount.activated_at).is_(None), InternetAccount.active_from <= ctx.today)
            .order_by(col(InternetAccount.id))
        ).all()
        for account in accounts:
            account.activated_at = ctx.now
            ctx.session.add(account)
            audit.record(
                ctx, "account.activate", "patron", account.patron_id, after={"active_from": account.active_from}
            )
        return [account.patron_id for account in accounts]


def anonymise_returned_loans(ctx: ServiceContext, returned_before: datetime) -> list[int]:
    """Cut returned loans (returned before `returned_before`) loose from their patron; returns their ids.

    Besides `Loan.patron_id`, the audit rows of a patron's own actions on those loans (web
    renewals, actor "patron:<id>") lose the patron's id too, or the audit log would still join
    the patron to the copy.
    """
    with transaction(ctx.session):
        loan_ids = ids(
            ctx.session,
            select(Loan.id).where(
                col(Loan.returned_at).is_not(None),
                col(Loan.returned_at) < returned_before,
                col(Loan.patron_id).is_not(None),
            ),
        )
        for batch in in_lists(loan_ids):
            ctx.session.exec(update(Loan).where(col(Loan.id).in_(batch)).values(patron_id=None))
            _anonymise_patron_actors(ctx, "loan", [str(i) for i in batch])
        if loan_ids:
            audit.record(
                ctx, "loan.anonymise", "loan", "*", after={"loans": len(loan_ids), "returned_before": returned_before}
            )
        return loan_ids


def anonymise_closed_holds(ctx: ServiceContext, closed_before: datetime) -> list[int]:
    """Cut holds closed (fulfilled, cancelled, expired) before `closed_before` loose from their
    patron; returns their ids.

    Besides `Hold.patron_id`, the audit log is cleared of what would still join the patron to the
    title: the actor of the patron's own actions on those holds (placed or cancelled on the web,
    actor "patron:<id>"), the holder a van's lend of a held copy recorded (`hold.requeue`), and the
    ids of the holds a merge of duplicate records cancelled (only their number stays). Open holds
    are never touched: every reader of a patron's holds looks at open holds only.
    """
    with transaction(ctx.session):
        hold_ids = ids(
            ctx.session,
            select(Hold.id).where(
                col(Hold.status).in_(CLOSED_HOLD_STATUSES),
                col(Hold.closed_at) < closed_before,
                col(Hold.patron_id).is_not(None),
            ),
        )
        for batch in in_lists(hold_ids):
            ctx.session.exec(update(Hold).where(col(Hold.id).in_(batch)).values(patron_id=None))
            keys = [str(i) for i in batch]
            _anonymise_patron_actors(ctx, "hold", keys)
            _forget_holders(ctx, keys)
        if hold_ids:
            _count_cancelled_holds(ctx, hold_ids)
            audit.record(
                ctx, "hold.anonymise", "hold", "*", after={"holds": len(hold_ids), "closed_before": closed_before}
            )
        return hold_ids


def _anonymise_patron_actors(ctx: ServiceContext, object_type: str, keys: Sequence[str]) -> None:
    """Audit rows of a patron's own actions on these objects (actor "patron:<id>") name the patron
    no more."""
    ctx.session.exec(
        update(AuditEntry)
        .where(
            AuditEntry.object_type == object_type,
            col(AuditEntry.object_id).in_(keys),
            col(AuditEntry.actor).startswith("patron:"),
        )
        .values(actor=ANONYMOUS_PATRON)
    )


def _forget_holders(ctx: ServiceContext, hold_keys: Sequence[str]) -> None:
    """`hold.requeue` rows (R14 on a van: a walk-in took the copy caught for a hold) name whose
    hold it was: that patron goes."""
    for entry in ctx.session.exec(
        select(AuditEntry).where(
            AuditEntry.object_type == "hold",
            AuditEntry.action == "hold.requeue",
            col(AuditEntry.object_id).in_(hold_keys),
        )
    ):
        entry.before = audit.dump({**audit.facts(entry.before), "hold_patron_id": None})
        ctx.session.add(entry)


def _count_cancelled_holds(ctx: ServiceContext, hold_ids: Sequence[int]) -> None:
    """Audit rows that list the holds a merge cancelled keep only how many, once none of those holds
    names a patron any more (they were cancelled together, so they are forgotten the same night).

    A merge records its row at the instant it cancels the holds, so only the rows written at the
    closing instants of tonight's cancelled holds are read (through the index on `at`), not every
    merge the audit log ever held.
    """
    instants: set[datetime] = set()
    for batch in in_lists(hold_ids):
        instants.update(
            closed
            for closed in ctx.session.exec(
                select(Hold.closed_at).where(col(Hold.id).in_(batch), Hold.status == HoldStatus.CANCELLED)
            )
            if closed is not None
        )
    listing = [
        (entry, cancelled)
        for batch in in_lists(sorted(instants))
        for entry in ctx.session.exec(
            select(AuditEntry).where(
                col(AuditEntry.at).in_(batch),
                col(AuditEntry.action).in_(_LISTS_CANCELLED_HOLDS),
                col(AuditEntry.after).contains('"holds_cancelled":[', autoescape=True),
                ~col(AuditEntry.after).contains('"holds_cancelled":[]', autoescape=True),
            )
        )
        if isinstance(cancelled := audit.facts(entry.after).get("holds_cancelled"), list)
    ]
    named: set[int] = set()
    for batch in in_lists(sorted({hold_id for _, cancelled in listing for hold_id in cancelled})):
        still = ctx.session.exec(select(Hold.id).where(col(Hold.id).in_(batch), col(Hold.patron_id).is_not(None)))
        named.update(hold_id for hold_id in still if hold_id is not None)
    for entry, cancelled in listing:
        if not named.intersection(cancelled):
            entry.after = audit.dump({**audit.facts(entry.after), "holds_cancelled": len(cancelled)})
            ctx.session.add(entry)


def forget_operation_bodies(ctx: ServiceContext, received_before: datetime) -> int:
    """Empty the body of every van operation taken in before `received_before`; returns how many.

    A body is the operation as the van sent it: a lend, renewal or hold hand-over names the
    patron's card and the copy's barcode, a registration the patron's name, address, telephone
    and birth date. Kept, the bodies would be the reading history the library must not keep.
    Once the operation is applied nothing needs them: a batch or operation sent again is
    recognised by its hash (`sha256`, kept with the id, node, sequence, type, times and outcome),
    a restored node too, and route statistics read the stop from its own column. Only the body of
    an operation an open or automatic conflict refers to is kept, since an admin's decision
    rebuilds the operation from it (`central.sync.resolution.envelope_of`); it goes the first night after
    the conflict is resolved or voided.
    """
    undecided = exists().where(
        col(Conflict.operation_id) == SyncOperation.id,
        col(Conflict.status).in_([ConflictStatus.OPEN, ConflictStatus.AUTO]),
    )
    with transaction(ctx.session):
        result = ctx.session.execute(
            update(SyncOperation)
            .where(col(SyncOperation.received_at) < received_before, col(SyncOperation.body) != "", ~undecided)
            .values(body="")
            .execution_options(synchronize_session=False)
        )
        forgotten: int = result.rowcount  # type: ignore[attr-defined]
        if forgotten:
            audit.record(
                ctx,
                "sync_operation.forget",
                "sync_operation",
                "*",
                after={"operations": forgotten, "received_before": received_before},
            )
        return forgotten
