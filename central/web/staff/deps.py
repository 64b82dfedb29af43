"""Who is signed in on the staff side, and what they may open: checked here and nowhere else.

Every staff router declares its role once (`require_desk` or `require_admin`); the service context
a staff page gets acts as "staff:<id>" at the main library, now.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import select

from central.errors import CentralError, NotFound
from central.models import Location, StaffRole
from central.services.context import ServiceContext
from central.staff import sessions
from central.staff.accounts import StaffMember
from central.web.deps import SessionDep
from central.web.state import WebState, web_state


class StaffNotSignedIn(CentralError):
    """A staff page was opened without a staff sign-in (the patron's cookie does not count)."""

    status = 401


class StaffForbidden(CentralError):
    """A desk account opened an admin page."""

    status = 403


def _resolve(request: Request, session: SessionDep) -> StaffMember:
    token = request.cookies.get(sessions.COOKIE, "")
    found = sessions.find(session, token, web_state(request).clock()) if token else None
    if found is None:
        raise StaffNotSignedIn(
            "staff_not_signed_in", "職員としてログインしてください。", "Sign in as a staff member first."
        )
    staff, session_id = found
    request.state.staff = staff
    request.state.staff_session_id = session_id
    return staff


CurrentStaff = Annotated[StaffMember, Depends(_resolve)]


def require_desk(staff: CurrentStaff) -> StaffMember:
    """Desk pages: every signed-in staff member (admins included)."""
    return staff


def require_admin(staff: CurrentStaff) -> StaffMember:
    """Admin pages (conflicts, devices): admins only; a desk account gets the 403 page."""
    if staff.role is not StaffRole.ADMIN:
        raise StaffForbidden(
            "staff_admin_only",
            "この画面は管理者のみ利用できます。窓口用アカウントでは開けません。",
            "This page is for admins only.",
        )
    return staff


def _staff_context(request: Request, session: SessionDep, staff: CurrentStaff) -> ServiceContext:
    """The signed-in staff member acting at the main library's desk, now."""
    state = web_state(request)
    desk = session.exec(select(Location.id).where(Location.code == state.settings.main_location_code)).first()
    return ServiceContext(session, state.settings.policy(), staff.actor, desk, state.clock())


StaffContext = Annotated[ServiceContext, Depends(_staff_context)]


def _desk_context(ctx: StaffContext) -> ServiceContext:
    """The desk's pages lend, register and shelve at the main library, so it must exist."""
    if ctx.location_id is None:
        raise NotFound(
            "no_main_location",
            "本館の場所が登録されていません(CENTRAL_MAIN_LOCATION_CODE を確認してください)。",
            "The main library location (CENTRAL_MAIN_LOCATION_CODE) does not exist.",
        )
    return ctx


DeskContext = Annotated[ServiceContext, Depends(_desk_context)]


def staff_session_lifetime(state: WebState) -> timedelta:
    return timedelta(minutes=state.settings.staff_session_minutes)


def node_silence(state: WebState) -> timedelta:
    """How long a bookmobile may stay silent before the dashboard flags it."""
    return timedelta(hours=state.settings.node_silence_alert_hours)
