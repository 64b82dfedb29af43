"""Rendering the staff pages: the shared template set (so the look is the patrons' one), plus what
every staff page needs - the signed-in member, the CSRF token, flash messages, Tokyo times, labels."""

import json
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from central.staff import labels
from central.web.security import csrf, flash
from central.web.state import web_state
from sync_protocol.timezone import TOKYO


def when(moment: datetime | None) -> str:
    """An instant as staff read it: Tokyo time, e.g. 2026年6月10日 10:05."""
    if moment is None:
        return "—"
    local = moment.astimezone(TOKYO)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def how_long(span: timedelta | None) -> str:
    """A duration in the largest unit that fits: 5分, 3時間, 2日."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)}分"
    if minutes < 48 * 60:
        return f"{minutes // 60}時間"
    return f"{minutes // (24 * 60)}日"


def signed_seconds(seconds: float) -> str:
    """A clock offset: +1.5秒 (the node is ahead), -0.3秒 (behind), ±0.0秒."""
    return "±0.0秒" if abs(seconds) < 0.05 else f"{seconds:+.1f}秒"


def pretty(value: object) -> str:
    """Nested facts (a list of candidates, a stored operation) as readable JSON, Japanese unescaped."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)


_HELPERS = {
    "when": when,
    "how_long": how_long,
    "pretty": pretty,
    "signed_seconds": signed_seconds,
    "fact_labels": labels.FACT_LABELS,
    "operation_labels": labels.OPERATION_LABELS,
    "outcome_labels": labels.OUTCOME_LABELS,
    "kind_labels": labels.KIND_LABELS,
    "status_labels": labels.STATUS_LABELS,
    "id_document_labels": labels.ID_DOCUMENT_LABELS,
    "patron_status_labels": labels.PATRON_STATUS_LABELS,
}


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """Render a staff page; pending flash messages are shown once and then dropped."""
    values = {
        "staff": getattr(request.state, "staff", None),
        "csrf_token": csrf.form_token(request),
        "csrf_field": csrf.FIELD,
        "flashes": flash.read(request),
        **_HELPERS,
        **(context or {}),
    }
    response = web_state(request).templates.TemplateResponse(request, name, values, status_code=status)
    flash.clear(request, response)
    csrf.persist(request, response)
    return response
