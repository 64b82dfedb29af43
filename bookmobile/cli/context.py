"""What every command gets: the settings built once, the consoles, and a way to open the node."""

from dataclasses import dataclass

import typer
from rich.console import Console

from bookmobile.clock import SystemClock
from bookmobile.node import Node, open_node
from bookmobile.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    out: Console
    err: Console

    @property
    def lang(self) -> str:
        return self.settings.lang

    def open_node(self) -> Node:
        return open_node(self.settings, SystemClock())


def make_consoles() -> tuple[Console, Console]:
    """Plain consoles: no markup (names and titles may contain brackets), no automatic colouring."""
    return (
        Console(markup=False, highlight=False, soft_wrap=True),
        Console(stderr=True, markup=False, highlight=False, soft_wrap=True),
    )


def state(ctx: typer.Context) -> AppContext:
    """The AppContext the root callback stored; commands call this first."""
    found = ctx.find_object(AppContext)
    if found is None:  # only when a command is invoked without the root app
        raise RuntimeError("the bookmobile root callback did not run")
    return found
