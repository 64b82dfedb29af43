"""Writing the audit log: every action by staff, patrons, nodes or the nightly job leaves a row."""

from typing import Any

import orjson

from central.models import AuditEntry
from central.services.context import ServiceContext


def dump(facts: dict[str, Any] | None) -> str:
    """Facts as JSON (dates and instants in ISO 8601, enums by value, anything else as its text)."""
    return "" if facts is None else orjson.dumps(facts, option=orjson.OPT_SORT_KEYS, default=str).decode()


def facts(stored: str) -> dict[str, Any]:
    """The facts `dump` stored ({} for none)."""
    loaded: dict[str, Any] = orjson.loads(stored) if stored else {}
    return loaded


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
        "before": dump(before),
        "after": dump(after),
    }


def record(
    ctx: ServiceContext, action: str, object_type: str, object_id: object, **facts: dict[str, Any] | None
) -> None:
    """Add an audit row in the caller's transaction (so it exists exactly when the change does);
    `facts` are `entry`'s `before` and `after`."""
    ctx.session.add(AuditEntry(**entry(ctx, action, object_type, object_id, **facts)))
