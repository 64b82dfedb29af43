"""Circulation upkeep the nightly job does: next-day activation (R5), forgetting returned loans and
what the vans' operations said.

Japanese libraries keep no reading history: once a loan is returned (and the configured grace
period has passed) nothing may tie the patron to the copy any more. The loan row stays, without
its patron, so statistics keep their counts; so does each van operation's row, without its body.
"""

from datetime import datetime

from sqlalchemy import exists, update
from sqlmodel import col, select

from central.bulk import in_lists
from central.models import AuditEntry, Conflict, ConflictStatus, InternetAccount, Loan, SyncOperation
from central.services import audit
from central.services.context import ServiceContext, transaction

# What a patron's own action on a loan (a web renewal) leaves as the audit actor once forgotten.
ANONYMOUS_PATRON = "patron:-"


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
        loan_ids = [
            loan_id
            for loan_id in ctx.session.exec(
                select(Loan.id).where(
                    col(Loan.returned_at).is_not(None),
                    col(Loan.returned_at) < returned_before,
                    col(Loan.patron_id).is_not(None),
                )
            )
            if loan_id is not None
        ]
        for batch in in_lists(loan_ids):
            ctx.session.exec(update(Loan).where(col(Loan.id).in_(batch)).values(patron_id=None))
            ctx.session.exec(
                update(AuditEntry)
                .where(
                    AuditEntry.object_type == "loan",
                    col(AuditEntry.object_id).in_([str(i) for i in batch]),
                    col(AuditEntry.actor).startswith("patron:"),
                )
                .values(actor=ANONYMOUS_PATRON)
            )
        if loan_ids:
            audit.record(
                ctx, "loan.anonymise", "loan", "*", after={"loans": len(loan_ids), "returned_before": returned_before}
            )
        return loan_ids


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
