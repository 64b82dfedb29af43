"""移動図書館のステーション: where each stop is and when the van comes next (issue 10), for patrons
choosing a stop as their pickup place, and for anyone who wants to meet the van."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from central.services.timetable_views import stop_timetable
from central.web.deps import ContextDep
from central.web.rendering import render

router = APIRouter()


@router.get("/stops")
def stops(request: Request, ctx: ContextDep) -> Response:
    """Each stop with its address, its next visits and the cancellations of the coming weeks."""
    return render(request, "stops.html", {"nav": "stops", "stops": stop_timetable(ctx.session, ctx.today)})
