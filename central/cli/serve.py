"""`central serve`: Uvicorn in front of the app factory."""

import typer
import uvicorn

from central.settings import Settings
from central.web.security.secret import web_secret

WORKER_HEALTHCHECK_S = 30


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default: CENTRAL_HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: CENTRAL_PORT or 8000)."),
    workers: int = typer.Option(1, min=1, help="Uvicorn worker processes."),
) -> None:
    settings = Settings()
    web_secret(settings, required=True)  # refuse here, with the message, rather than inside each worker
    uvicorn.run(
        "central.web.app:app_from_environment",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # With several workers Uvicorn kills one that has not answered its health check in time. A
        # worker busy with long requests on a loaded machine is slow, not hung: killing it would drop
        # every request it was serving (a van's batch, a patron's hold), so allow it 30 s, not 5.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )
