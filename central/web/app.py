"""The FastAPI application factory: `create_app(settings)` so tests build their own.

One app serves the patrons' pages (`central.web.pages`), the JSON API (`central.web.api`, schema at
/api/v1/openapi.json), the static files and /healthz. Errors become responses in one place
(`central.web.errors`); security headers are added to every response.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func
from sqlmodel import select

from central.db import make_engine, new_session
from central.models import Bib
from central.settings import Settings
from central.sync import http as sync_http
from central.web import api, errors, pages, staff
from central.web.rendering import templates
from central.web.security.headers import SecurityHeaders
from central.web.security.secret import web_secret
from central.web.state import WebState
from sync_protocol.timezone import utc_now

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings, *, require_secret: bool = False, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """Central's web application on the database `settings` names (migrated beforehand).

    `require_secret`: refuse to start without a configured secret (what `central serve` does); when
    false and none is configured, a random one lives as long as this process.
    """
    secret = web_secret(settings, required=require_secret)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title=f"{settings.library_name} circulation",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.web = WebState(settings, engine, secret, templates(settings.library_name), clock)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(sync_http.router)
    app.include_router(pages.router)
    app.include_router(staff.router)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, object]:
        """Liveness plus what an operator checks first: the database in use and the catalogue size."""
        with new_session(engine) as session, session.begin():
            titles = session.exec(select(func.count()).select_from(Bib)).one()
        return {"status": "ok", "database": settings.database_kind, "titles": titles}

    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from CENTRAL_* variables (each worker builds its own).

    The secret is required here: every worker must sign CSRF tokens with the same one.
    """
    return create_app(Settings(), require_secret=True)
