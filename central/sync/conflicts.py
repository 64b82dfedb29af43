"""Conflict rows (B5): both sides' facts, the default taken, and whether an admin must decide."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col

from central.models import Conflict, ConflictStatus, SyncNode, SyncOperation
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.services.offline import Disagreement
from sync_protocol.codec import to_plain


def _json(facts: dict[str, Any]) -> str:
    return json.dumps(to_plain(facts), ensure_ascii=False, sort_keys=True, default=str)


def raise_conflict(
    ctx: ServiceContext,
    node: SyncNode | None,
    operation: SyncOperation | None,
    disagreement: Disagreement,
    van_facts: dict[str, Any],
) -> Conflict:
    """Record a disagreement in the caller's transaction; open when no default was safe."""
    conflict = Conflict(
        kind=disagreement.kind,
        status=ConflictStatus.OPEN if disagreement.needs_admin else ConflictStatus.AUTO,
        node_id=node.id if node else None,
        operation_id=operation.id if operation else None,
        summary=disagreement.summary,
        van_facts=_json(van_facts),
        central_facts=_json(disagreement.central_facts),
        default_action=disagreement.default_action,
        created_at=ctx.now,
    )
    ctx.session.add(conflict)
    ctx.session.flush()
    audit.record(
        ctx, "conflict.raise", "conflict", conflict.id, after={"kind": conflict.kind, "status": conflict.status}
    )
    return conflict


DECIDED = (ConflictStatus.RESOLVED, ConflictStatus.VOIDED)


def forget_decided_facts(ctx: ServiceContext, decided_before: datetime) -> int:
    """Empty both sides' facts of every conflict decided before `decided_before`; returns how many.

    The facts are copies taken when the conflict was raised: the van's operation (card and
    barcode, or a new patron's details) and central's side (another patron's loan, the records
    that looked like the same person). Kept after the decision they would be the reading history
    the library must not keep. What stays is what the decision needs to be understood later:
    the kind, the one-line summary, the default taken, the decision, who took it and when.
    An open or automatic conflict keeps its facts: an admin still decides on them.
    """
    with transaction(ctx.session):
        result = ctx.session.execute(
            update(Conflict)
            .where(
                col(Conflict.status).in_(DECIDED),
                col(Conflict.resolved_at) < decided_before,
                or_(col(Conflict.van_facts) != "", col(Conflict.central_facts) != ""),
            )
            .values(van_facts="", central_facts="")
            .execution_options(synchronize_session=False)
        )
        forgotten: int = result.rowcount  # type: ignore[attr-defined]
        if forgotten:
            facts = {"conflicts": forgotten, "decided_before": decided_before}
            audit.record(ctx, "conflict.forget", "conflict", "*", after=facts)
        return forgotten


def facts_forgotten(conflict: Conflict) -> bool:
    """True once the night emptied the facts (a raised conflict always stores a JSON object)."""
    return conflict.van_facts == "" and conflict.central_facts == ""
