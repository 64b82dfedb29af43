"""Small helpers and constants shared by the staff tests."""

from sqlmodel import Session, col, select

from central.models import AuditEntry, Conflict
from central.services.context import transaction

ADMIN_PASSWORD = "kanri-2026-secret"
DESK_PASSWORD = "madoguchi-2026"


def conflicts_of(session: Session, kind: str) -> list[Conflict]:
    """The conflicts of one kind, as stored now."""
    with transaction(session):
        return list(session.exec(select(Conflict).where(Conflict.kind == kind).order_by(col(Conflict.id))))


def audit_rows(session: Session, action: str) -> list[AuditEntry]:
    with transaction(session):
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))))
