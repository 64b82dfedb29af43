"""Staff accounts: created by an admin (or `central staff add` for the first one), argon2-hashed.

Staff are not patrons: their own table, their own sign-in page and cookie, and roles. A staff
member's actions are audited as "staff:<id>", so accounts are disabled, never deleted.
"""

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, select

from central.errors import AuthenticationFailed, InvalidInput, NotFound, RuleRefused
from central.models import StaffRole, StaffUser
from central.services import audit
from central.services.context import ServiceContext, transaction
from sync_protocol.normalize import nfkc, normalize_password

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-staff-password")


@dataclass(frozen=True)
class StaffMember:
    """A staff account as the surfaces see it (plain values, safe after the session closed)."""

    id: int
    username: str
    display_name: str
    role: StaffRole

    @property
    def actor(self) -> str:
        """How the audit log names this member."""
        return f"staff:{self.id}"

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN


def member(user: StaffUser) -> StaffMember:
    assert user.id is not None
    return StaffMember(user.id, user.username, user.display_name, StaffRole(user.role))


def normalize_username(raw: str) -> str:
    return nfkc(raw).lower()


def _check_password(password: str) -> str:
    clean = normalize_password(password)
    if not (MIN_PASSWORD_LENGTH <= len(clean) <= MAX_PASSWORD_LENGTH):
        raise InvalidInput(
            "staff_password_length",
            f"職員のパスワードは{MIN_PASSWORD_LENGTH}文字以上{MAX_PASSWORD_LENGTH}文字以内にしてください。",
            f"A staff password must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters long.",
        )
    return clean


def _role(raw: str) -> StaffRole:
    try:
        return StaffRole(raw)
    except ValueError:
        raise InvalidInput(
            "unknown_staff_role", "権限は admin か desk を指定してください。", "The role must be admin or desk."
        ) from None


def add_staff(ctx: ServiceContext, username: str, role: str, password: str, display_name: str = "") -> StaffMember:
    """Create a staff account; the username is lower-case ASCII and unique."""
    name = normalize_username(username)
    if not _USERNAME.match(name):
        raise InvalidInput(
            "malformed_username",
            "ユーザー名は半角英小文字・数字・「._-」の2〜64文字にしてください。",
            "A username is 2-64 lower-case letters, digits or ._-",
        )
    kind = _role(role)
    hashed = _hasher.hash(_check_password(password))
    with transaction(ctx.session):
        if ctx.session.exec(select(StaffUser.id).where(StaffUser.username == name)).first() is not None:
            raise RuleRefused("username_taken", f"ユーザー名「{name}」はすでに使われています。", f"{name} exists.")
        user = StaffUser(
            username=name,
            display_name=nfkc(display_name) or name,
            role=kind,
            password_hash=hashed,
            created_at=ctx.now,
        )
        ctx.session.add(user)
        ctx.session.flush()
        audit.record(ctx, "staff.add", "staff", user.id, after={"username": name, "role": kind})
        return member(user)


def staff_by_username(ctx: ServiceContext, username: str) -> StaffUser:
    user = ctx.session.exec(select(StaffUser).where(StaffUser.username == normalize_username(username))).first()
    if user is None:
        raise NotFound("unknown_staff", f"職員「{username}」は登録されていません。", f"No staff account {username}.")
    return user


def authenticate_staff(ctx: ServiceContext, username: str, password: str) -> StaffUser:
    """The active account with this username and password; one answer for every kind of failure."""
    failed = AuthenticationFailed(
        "staff_sign_in_failed",
        "ユーザー名またはパスワードが正しくありません。",
        "The username or password is incorrect.",
    )
    with transaction(ctx.session):
        user = ctx.session.exec(select(StaffUser).where(StaffUser.username == normalize_username(username))).first()
        if user is None or not user.active:
            _verify(_DUMMY_HASH, password)
            raise failed
        if not _verify(user.password_hash, password):
            raise failed
        return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, normalize_password(password))
    except (VerificationError, InvalidHashError):
        return False


def set_password(ctx: ServiceContext, user: StaffUser, password: str) -> StaffUser:
    """A new password for a staff account; its open sessions end (their stamp no longer matches)."""
    hashed = _hasher.hash(_check_password(password))
    with transaction(ctx.session):
        user.password_hash = hashed
        user.password_changed_at = ctx.now
        ctx.session.add(user)
        audit.record(ctx, "staff.set_password", "staff", user.id)
        return user


def set_active(ctx: ServiceContext, user: StaffUser, active: bool) -> StaffUser:
    """Disable (or re-enable) an account; a disabled account cannot sign in and its sessions end."""
    with transaction(ctx.session):
        before = {"active": user.active}
        user.active = active
        ctx.session.add(user)
        audit.record(ctx, "staff.set_active", "staff", user.id, before=before, after={"active": active})
        return user


def all_staff(ctx: ServiceContext) -> list[StaffUser]:
    with transaction(ctx.session):
        return list(ctx.session.exec(select(StaffUser).order_by(col(StaffUser.username))))
