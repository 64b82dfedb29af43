"""Signing in and changing the password: the account services plus what the web adds around them
(the throttle before the password check, the session after it, ending other sessions after a change).

Each is several transactions, so each write is run again on its own after a transient failure
(`central.retry`): once one has committed, only what follows it is repeated. A password change
run again whole would check the old password after the new one was stored, and fail.
"""

from collections.abc import Callable
from typing import TypeVar

from central.errors import AuthenticationFailed
from central.models import Patron
from central.retry import retrying
from central.services.accounts import authenticate, change_password
from central.services.context import ServiceContext
from central.web.security import sessions, throttle
from central.web.security.sessions import SignedIn
from central.web.state import WebState

T = TypeVar("T")


def throttled(ctx: ServiceContext, keys: throttle.Keys, limits: throttle.Limits, check: Callable[[], T]) -> T:
    """Check the throttle, then run `check`; an AuthenticationFailed from it is recorded as a failed
    attempt (run again on its own after a transient failure) and raised again."""
    throttle.ensure_allowed(ctx.session, keys, limits, ctx.now)
    try:
        return check()
    except AuthenticationFailed:
        retrying(ctx.session, lambda: throttle.record_failure(ctx.session, keys, limits, ctx.now))
        raise


def sign_in(
    ctx: ServiceContext, state: WebState, card_number: str, password: str, address: str, kind: str
) -> tuple[Patron, str]:
    """Check the throttle, then the password (R15: NFKC, so full-width input works); open a session.

    Only a wrong card or password counts as a failure; a refusal such as R5's "not active yet"
    comes after the password was proven.
    """
    keys = throttle.keys_for(state.secret, card_number, address)
    patron = throttled(ctx, keys, state.throttle_limits, lambda: authenticate(ctx, card_number, password))
    retrying(ctx.session, lambda: throttle.forget_card(ctx.session, keys))
    token = retrying(ctx.session, lambda: sessions.start(ctx.session, patron, kind, ctx.now, state.session_lifetime))
    return patron, token


def change_own_password(
    ctx: ServiceContext, state: WebState, signed_in: SignedIn, current: str, new: str, address: str
) -> None:
    """R6/R8: the new password replaces the temporary one; every other session of the patron ends.

    A wrong current password counts like a failed sign-in, so a session left open on a shared PC
    cannot be used to guess the password.
    """
    keys = throttle.keys_for(state.secret, signed_in.patron.card_number, address)
    throttled(
        ctx,
        keys,
        state.throttle_limits,
        lambda: retrying(ctx.session, lambda: change_password(ctx, signed_in.patron, current, new)),
    )
    retrying(ctx.session, lambda: sessions.keep_only(ctx.session, signed_in))
