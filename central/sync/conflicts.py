"""Conflict rows (B5): both sides' facts, the default taken, and whether an admin must decide."""

import json
from typing import Any

from central.models import Conflict, ConflictStatus, SyncNode, SyncOperation
from central.services import audit
from central.services.context import ServiceContext
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
