"""`central db ...`: schema migrations."""

import typer
from rich.console import Console

from central.db import make_engine, migrate
from central.settings import Settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade", help="Create or migrate the database to the latest schema (Alembic).")
def upgrade() -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    engine.dispose()
    Console().print(f"database ready ({settings.database_kind})")
