"""The FastAPI application factory: `create_app(settings)` so tests build their own."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func
from sqlmodel import select

from central.db import make_engine, new_session
from central.errors import CentralError
from central.models import Bib
from central.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Central's web application on the database `settings` names (migrated beforehand)."""
    app = FastAPI(title=f"{settings.library_name} circulation", version="0.1.0")
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)

    @app.exception_handler(CentralError)
    async def _central_error(_request: Request, error: CentralError) -> JSONResponse:
        return JSONResponse(
            status_code=error.status,
            content={"error": {"code": error.code, "message": error.ja, "message_en": error.en}},
        )

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, object]:
        """Liveness plus what an operator checks first: the database in use and the catalogue size."""
        with new_session(app.state.engine) as session, session.begin():
            titles = session.exec(select(func.count()).select_from(Bib)).one()
        return {"status": "ok", "database": settings.database_kind, "titles": titles}

    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from CENTRAL_* variables (each worker builds its own)."""
    return create_app(Settings())
