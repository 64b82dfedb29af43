"""Server-side staff sessions: a random token in the browser's cookie, only its hash in the table.

Kept apart from the patrons' sessions (another table, another cookie), so signing in as a patron
on the same PC never grants anything on the staff side, and the reverse.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from central.models import StaffSession, StaffUser
from central.services import audit
from central.services.context import ServiceContext, transaction
from central.staff.accounts import StaffMember, member

COOKIE = "central_staff_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stamp(user: StaffUser) -> str:
    """A fingerprint of the password hash: a new password ends every session opened with the old one."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:32]


def start(ctx: ServiceContext, user: StaffUser, lifetime: timedelta) -> str:
    """Open a session for a staff member who just proved the password; returns the token (cookie)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    own = ServiceContext(ctx.session, ctx.policy, f"staff:{user.id}", ctx.location_id, ctx.now)
    with transaction(ctx.session):
        ctx.session.exec(delete(StaffSession).where(col(StaffSession.expires_at) <= ctx.now))
        ctx.session.add(
            StaffSession(
                token_hash=_hash(token),
                staff_id=user.id,
                credential_stamp=_stamp(user),
                created_at=ctx.now,
                expires_at=ctx.now + lifetime,
            )
        )
        audit.record(own, "staff.sign_in", "staff", user.id)
    return token


def find(session: Session, token: str, now: datetime) -> tuple[StaffMember, int] | None:
    """The staff member and session id behind `token`: unexpired, account active, password unchanged."""
    if not token or len(token) > 128:
        return None
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == _hash(token))).first()
    if row is None or row.expires_at <= now:
        return None
    user = session.get(StaffUser, row.staff_id)
    if user is None or not user.active or row.credential_stamp != _stamp(user):
        return None
    assert row.id is not None
    return member(user), row.id


def end(ctx: ServiceContext, staff: StaffMember, session_id: int) -> None:
    """Sign out: the row goes, so a copied cookie is worthless."""
    with transaction(ctx.session):
        ctx.session.exec(delete(StaffSession).where(col(StaffSession.id) == session_id))
        audit.record(ctx, "staff.sign_out", "staff", staff.id)
