"""Server-side patron sessions: a random token in the client, only its hash in the database.

A session ends when it expires, at logout (the row is deleted), and when the patron's password
changes: each row carries a stamp of the password hash it was opened with, so a password re-issued
at the desk or on the bookmobile (R7) ends every session at once, with no extra bookkeeping.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from central.models import InternetAccount, Patron, PatronStatus, WebSession
from central.services.accounts import account_of_patron_id
from central.services.context import transaction

COOKIE = "central_session"


class Kind:
    """How the client holds the token: a browser cookie or an app's bearer token."""

    COOKIE = "cookie"
    TOKEN = "token"


@dataclass(frozen=True)
class SignedIn:
    """The patron behind a request, the session row that proved it, and R6's flag (the patron
    still uses the temporary password, so every page urges a change)."""

    patron: Patron
    session_id: int
    kind: str
    temporary_password: bool


def token_hash(token: str) -> str:
    """What is stored for a token (SHA-256: tokens are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stamp(account: InternetAccount | None) -> str:
    """A fingerprint of the account's current password hash ("" without an account)."""
    if account is None:
        return ""
    return hashlib.sha256(account.password_hash.encode("utf-8")).hexdigest()[:32]


def start(session: Session, patron: Patron, kind: str, now: datetime, lifetime: timedelta) -> str:
    """Open a session for a patron who just proved the password; returns the token (shown once)."""
    assert patron.id is not None
    token = secrets.token_urlsafe(32)
    with transaction(session):
        session.exec(delete(WebSession).where(col(WebSession.expires_at) <= now))
        session.add(
            WebSession(
                token_hash=token_hash(token),
                patron_id=patron.id,
                kind=kind,
                credential_stamp=_stamp(account_of_patron_id(session, patron.id)),
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return token


def find(session: Session, token: str, now: datetime) -> SignedIn | None:
    """The live session for `token`: not expired, patron active, password unchanged since."""
    if not token or len(token) > 128:
        return None
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if row is None or row.expires_at <= now:
        return None
    patron = session.get(Patron, row.patron_id)
    if patron is None or patron.status != PatronStatus.ACTIVE:
        return None
    account = account_of_patron_id(session, row.patron_id)
    if account is None or row.credential_stamp != _stamp(account):
        return None
    assert row.id is not None
    return SignedIn(patron=patron, session_id=row.id, kind=row.kind, temporary_password=account.temporary)


def end(session: Session, signed_in: SignedIn) -> None:
    """Logout (R17): the row is deleted, so the token is worthless even if it was copied."""
    with transaction(session):
        session.exec(delete(WebSession).where(col(WebSession.id) == signed_in.session_id))


def keep_only(session: Session, signed_in: SignedIn) -> None:
    """After a password change: end the patron's other sessions and re-stamp this one."""
    patron_id = signed_in.patron.id
    assert patron_id is not None
    with transaction(session):
        session.exec(
            delete(WebSession).where(col(WebSession.patron_id) == patron_id, col(WebSession.id) != signed_in.session_id)
        )
        row = session.get(WebSession, signed_in.session_id)
        if row is not None:
            row.credential_stamp = _stamp(account_of_patron_id(session, patron_id))
            session.add(row)
