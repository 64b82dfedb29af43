"""What the sync side forgets at night (no reading history): decided conflicts' details and the
words of stored receipts.

A conflict names a card or a barcode in many places: both sides' facts (the van's operation,
central's loan or patron records), its one-line summary, the decision's description and the
admin's reason, the decision's audit row, and the receipt the van was sent. None of them names
both, but the operation's time does the rest: the loan made at that moment at that stop names the
copy. So once a conflict is decided, and the grace period of returned loans has passed, all of
them go; what stays is what says a decision was taken: the kind, the status, who and when.

Receipts are kept so that a batch sent again is answered with what was answered the first time;
after the night they still are, with each operation's outcome, code and conflict, but without
the message that named the card or barcode.
"""

import json
import logging
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from central.bulk import ids, in_lists
from central.models import AuditEntry, Conflict, ConflictStatus, SyncBatch
from central.services import audit
from central.services.context import ServiceContext, transaction
from sync_protocol.codec import canonical_json

logger = logging.getLogger(__name__)

DECIDED = (ConflictStatus.RESOLVED, ConflictStatus.VOIDED)
# What a decision's audit row keeps once forgotten: that it was taken, and which.
_DECISION_KEPT = ("status", "decision")


def forget_decided_conflicts(ctx: ServiceContext, decided_before: datetime) -> int:
    """Forget the details of every conflict decided before `decided_before`; returns how many.

    An open or automatic conflict keeps them: an admin still decides on them. So does a restored
    node's conflict closed by re-enrolling the node: the operations it holds were never applied,
    and are the only copy of what staff did on that laptop until they are entered again (B5:
    nothing a van did is dropped); only voiding it lets them go.
    """
    with transaction(ctx.session):
        decided = ids(
            ctx.session,
            select(Conflict.id).where(
                col(Conflict.status).in_(DECIDED),
                col(Conflict.resolved_at) < decided_before,
                or_(col(Conflict.van_facts) != "", col(Conflict.central_facts) != ""),
                ~and_(Conflict.kind == "restored_node", Conflict.status == ConflictStatus.RESOLVED),
            ),
        )
        for chunk in in_lists(decided):
            ctx.session.execute(
                update(Conflict)
                .where(col(Conflict.id).in_(chunk))
                .values(van_facts="", central_facts="", summary="", resolution="")
                .execution_options(synchronize_session=False)
            )
            _forget_decision_details(ctx, chunk)
        if decided:
            facts = {"conflicts": len(decided), "decided_before": decided_before}
            audit.record(ctx, "conflict.forget", "conflict", "*", after=facts)
        return len(decided)


def _forget_decision_details(ctx: ServiceContext, conflict_ids: list[int]) -> None:
    """The decisions' audit rows keep the status and the decision, not the reason or what was linked."""
    rows = ctx.session.exec(
        select(AuditEntry).where(
            AuditEntry.object_type == "conflict",
            col(AuditEntry.object_id).in_([str(i) for i in conflict_ids]),
            AuditEntry.action == "conflict.resolve",
        )
    ).all()
    for row in rows:
        after = audit.facts(row.after)
        row.after = audit.dump({key: after[key] for key in _DECISION_KEPT if key in after})
        ctx.session.add(row)


def is_forgotten(conflict: Conflict) -> bool:
    """True once the night forgot the details (a raised conflict always stores a JSON object)."""
    return conflict.van_facts == "" and conflict.central_facts == ""


# Receipts read per transaction: a receipt holds up to a few thousand operations' outcomes.
RECEIPT_CHUNK = 20


def forget_receipt_messages(ctx: ServiceContext, received_before: datetime) -> int:
    """Empty the messages of the receipts of batches taken in before `received_before`; returns how
    many receipts changed. Outcomes, codes and conflict ids stay, so a replay is answered as before.

    Each receipt is read once: the night marks it (`messages_forgotten`) whether or not it had a
    message, so a night reads only what came in since the last, a few receipts per transaction,
    each transaction with its audit row (what one committed stays accounted for if a later fails).
    """
    changed = 0
    while True:
        with transaction(ctx.session):
            batches = ctx.session.exec(
                select(SyncBatch)
                .where(col(SyncBatch.messages_forgotten).is_(False), col(SyncBatch.received_at) < received_before)
                .order_by(col(SyncBatch.id))
                .limit(RECEIPT_CHUNK)
            ).all()
            emptied = 0
            for batch in batches:
                without = _without_messages(batch)
                if without is not None:
                    batch.receipt = without
                    emptied += 1
                batch.messages_forgotten = True
                ctx.session.add(batch)
            if emptied:
                facts = {"receipts": emptied, "received_before": received_before}
                audit.record(ctx, "sync_batch.forget_messages", "sync_batch", "*", after=facts)
        changed += emptied
        if len(batches) < RECEIPT_CHUNK:
            return changed


def _without_messages(batch: SyncBatch) -> str | None:
    """The stored receipt with its messages emptied; None when it has none to empty.

    Central wrote every receipt itself, so one it cannot read was damaged in the database: that is
    logged, and the night goes on (a receipt failing every night would keep all later ones, stored
    in order after it, from being forgotten).
    """
    try:
        receipt = json.loads(batch.receipt)
        operations = receipt["operations"]
        if not any(operation["message"] for operation in operations):
            return None
        for operation in operations:
            operation["message"] = ""
    except (ValueError, TypeError, KeyError) as error:
        logger.error("sync_batch %s: the stored receipt cannot be read (%r); its messages stay", batch.id, error)
        return None
    return canonical_json(receipt).decode()
