"""`central`: the operator's command line. Thin commands over services; errors printed in one place."""

import sys

import typer
from rich.console import Console

from central.cli.catalog import catalog_app
from central.cli.conflicts import conflicts_app
from central.cli.db import db_app
from central.cli.demo import demo_app
from central.cli.nightly import nightly, notices_app, scheduler
from central.cli.nodes import node_app
from central.cli.routes import route_app
from central.cli.serve import serve
from central.cli.staff import staff_app
from central.errors import CentralError
from central.settings import Settings

app = typer.Typer(help="Central server of the library's circulation system.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(demo_app, name="demo")
app.add_typer(node_app, name="node")
app.add_typer(route_app, name="route")
app.add_typer(staff_app, name="staff")
app.add_typer(conflicts_app, name="conflicts")
app.command(help="Serve central over HTTP (Uvicorn) until Ctrl-C.")(serve)
app.add_typer(notices_app, name="notices")
app.command("nightly", help="Run the nightly job once: activation, hold expiry, notices, anonymisation, mail.")(nightly)
app.command("scheduler", help="Run the nightly job every night at CENTRAL_NIGHTLY_TIME (Tokyo), until stopped.")(
    scheduler
)


def main() -> None:
    """Console-script entry: run a command; a CentralError becomes a message and exit status 1."""
    try:
        app()
    except CentralError as error:
        lang = Settings().lang
        Console(stderr=True).print(f"[bold red]{error.message(lang)}[/] ({error.code})")
        sys.exit(1)
