"""The staff CLI: `bookmobile ...` (Typer + Rich), thin commands over `bookmobile.desk`.

The root group builds the settings once, and is the one place a failure ends a command: a
BookmobileError becomes its message and a non-zero exit, anything else a short notice (the
traceback goes to the log file, never to the screen).
"""

from typing import Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from bookmobile.cli import (
    counter_commands,
    desk_commands,
    node_commands,
    patron_commands,
    route_commands,
    sync_commands,
)
from bookmobile.cli.context import AppContext, make_consoles
from bookmobile.cli.output import render_error, render_unexpected
from bookmobile.errors import BookmobileError, InvalidSettings
from bookmobile.settings import Settings


class _NodeGroup(TyperGroup):
    """Runs a command and converts whatever it raises into staff-facing output."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors and exits: Typer prints those
            raise
        except BookmobileError as error:
            app = ctx.find_object(AppContext)
            render_error(app.err if app else make_consoles()[1], error, app.lang if app else "ja")
            raise typer.Exit(1) from None
        except Exception as exc:
            app = ctx.find_object(AppContext)
            settings = app.settings if app else Settings.model_construct()
            render_unexpected(app.err if app else make_consoles()[1], exc, settings.lang, settings.data_dir)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_NodeGroup,
    help="移動図書館の端末(オフラインで登録・貸出・返却・延長・予約受け渡し)。 The bookmobile's desk, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Build the settings once (from BOOKMOBILE_* variables) and hand them to the command."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise InvalidSettings(problem="; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None
    out, err = make_consoles()
    ctx.obj = AppContext(settings, out, err)


node_commands.register(app)
desk_commands.register(app)
patron_commands.register(app)
counter_commands.register(app)
sync_commands.register(app)
route_commands.register(app)
