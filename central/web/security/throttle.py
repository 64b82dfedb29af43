"""The sign-in throttle: failed attempts counted per card number and per client address.

Counts live in a table, so every worker sees them. The card is counted whether or not it exists,
and the refusal reads the same either way: it gives no hint which card numbers are real. Card
numbers are stored as keyed hashes, not in clear.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from central.errors import CentralError
from central.models import SignInFailure
from central.services.context import transaction
from sync_protocol.normalize import normalize_card_number


class SignInThrottled(CentralError):
    """Too many failed sign-ins for this card or from this address; try again later."""

    status = 429


@dataclass(frozen=True)
class Limits:
    """How many failures are tolerated within `window`, per card and per address."""

    window: timedelta
    per_card: int
    per_address: int


@dataclass(frozen=True)
class Keys:
    """The two counters one attempt touches."""

    card: str
    address: str


def keys_for(secret: bytes, card_number: str, address: str) -> Keys:
    digest = hmac.new(secret, normalize_card_number(card_number).encode("utf-8"), hashlib.sha256).hexdigest()
    return Keys(card=f"card:{digest[:40]}", address=f"addr:{address[:60]}")


def _failures(session: Session, key: str, since: datetime) -> int:
    count = session.exec(
        select(func.count()).select_from(SignInFailure).where(SignInFailure.key == key, SignInFailure.at > since)
    ).one()
    return int(count)


def ensure_allowed(session: Session, keys: Keys, limits: Limits, now: datetime) -> None:
    """Refuse before checking the password when either counter is full."""
    since = now - limits.window
    if _failures(session, keys.card, since) >= limits.per_card or (
        _failures(session, keys.address, since) >= limits.per_address
    ):
        minutes = int(limits.window.total_seconds() // 60)
        raise SignInThrottled(
            "sign_in_throttled",
            f"ログインに続けて失敗したため、しばらくログインできません。{minutes}分ほど時間をおいてから、"
            "もう一度お試しください。",
            f"Too many failed sign-ins. Try again in about {minutes} minutes.",
        )


def record_failure(session: Session, keys: Keys, limits: Limits, now: datetime) -> None:
    """Count a failure on both keys, forgetting every failure older than the window (the table
    stays as small as the failures of the last few minutes)."""
    with transaction(session):
        session.exec(delete(SignInFailure).where(col(SignInFailure.at) <= now - limits.window))
        session.add_all([SignInFailure(key=keys.card, at=now), SignInFailure(key=keys.address, at=now)])


def forget_card(session: Session, keys: Keys) -> None:
    """A successful sign-in clears the card's count (not the address's: that would let an attacker
    with one valid card reset the counter for an address guessing other cards)."""
    with transaction(session):
        session.exec(delete(SignInFailure).where(col(SignInFailure.key) == keys.card))
