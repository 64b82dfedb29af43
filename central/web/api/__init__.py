"""The JSON API under /api/v1: the same services as the pages, for in-house terminals and apps.

Sign in with POST /api/v1/session for a bearer token; a browser signed in on the pages may also use
its cookie session (writes then need the X-CSRF-Token header). Every error has one shape,
`{"error": {"code", "message", "message_en"}}`, produced by central.web.errors.
"""

from fastapi import APIRouter

from central.web.api import auth, catalogue, patron
from central.web.api.schemas import ErrorResponse

_ERRORS = {status: {"model": ErrorResponse} for status in (401, 403, 404, 409, 422, 429)}

router = APIRouter(prefix="/api/v1", responses=_ERRORS)  # type: ignore[arg-type]
for module in (auth, catalogue, patron):
    router.include_router(module.router)
