"""Writing the audit log: every action by staff, patrons, nodes or the nightly job leaves a row."""

import json
from datetime import date, datetime
from typing import Any

from central.models import AuditEntry
from central.services.context import ServiceContext


def _default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# One encoder for every row: `json.dumps` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_default)


def _dump(facts: dict[str, Any] | None) -> str:
    return "" if facts is None else _ENCODER.encode(facts)


# The columns of `entry`'s dictionary, in its order (for inserting many rows at once).
COLUMNS = ("at", "actor", "location_id", "action", "object_type", "object_id", "before", "after")


def entry(
    ctx: ServiceContext,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The audit row's columns (for `record`, and for set-based writes that insert many at once)."""
    return {
        "at": ctx.now,
        "actor": ctx.actor,
        "location_id": ctx.location_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": _dump(before),
        "after": _dump(after),
    }


def record(
    ctx: ServiceContext, action: str, object_type: str, object_id: object, **facts: dict[str, Any] | None
) -> None:
    """Add an audit row in the caller's transaction (so it exists exactly when the change does);
    `facts` are `entry`'s `before` and `after`."""
    ctx.session.add(AuditEntry(**entry(ctx, action, object_type, object_id, **facts)))
