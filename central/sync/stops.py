"""Where a van's operation happened: the stop it names, or the van itself."""

from sqlmodel import select

from central.models import Location, LocationKind, SyncNode
from central.services.context import ServiceContext


def location_for_stop(ctx: ServiceContext, node: SyncNode, stop_code: str) -> int:
    """The id of the van's stop `stop_code`; the van's own location for anything else."""
    stop = ctx.session.exec(
        select(Location.id).where(
            Location.code == stop_code, Location.kind == LocationKind.STOP, Location.parent_id == node.location_id
        )
    ).first()
    return stop if stop is not None else node.location_id
