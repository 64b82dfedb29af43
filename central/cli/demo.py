"""`central demo ...`: the demo library for trying the system out."""

import typer
from rich.console import Console

from central.db import make_engine, migrate, new_session
from central.demo import DEMO_CARD, DEMO_PASSWORD, is_empty, load_demo
from central.settings import Settings

demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)


@demo_app.command("load", help="Load the demo library (Aozora Bunko catalogue, copies, patrons, loans, holds).")
def load(
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the database already has data."),
    seed: int = typer.Option(2026, help="Seed: the same seed gives the same demo."),
) -> None:
    settings = Settings()
    console = Console()
    engine = make_engine(settings.database_url)
    migrate(engine)
    with new_session(engine) as session:
        if not is_empty(session):
            if if_empty:
                console.print("demo: the database already has data; nothing loaded")
                return
            console.print("[red]demo: the database is not empty; use a fresh database[/]")
            raise typer.Exit(1)
        with console.status("loading the demo library..."):
            report = load_demo(session, settings, seed=seed)
    engine.dispose()
    console.print(
        f"demo loaded: {report.titles} titles (青空文庫), {report.copies} copies, {report.patrons} patrons, "
        f"{report.loans} loans, {report.holds} holds"
    )
    console.print(f"sign in on the web as card {DEMO_CARD}, password {DEMO_PASSWORD}")
