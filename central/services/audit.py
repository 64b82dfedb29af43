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


def _dump(facts: dict[str, Any] | None) -> str:
    return "" if facts is None else json.dumps(facts, ensure_ascii=False, sort_keys=True, default=_default)


def record(
    ctx: ServiceContext,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit row in the caller's transaction (so it exists exactly when the change does)."""
    ctx.session.add(
        AuditEntry(
            at=ctx.now,
            actor=ctx.actor,
            location_id=ctx.location_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=_dump(before),
            after=_dump(after),
        )
    )
