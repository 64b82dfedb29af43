"""docs/routes.md is checked: every `central route` command it shows runs, in order, on a test
database, and every `bookmobile` command it shows exists."""

import re
import shlex
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.core import TyperGroup
from typer.testing import CliRunner

from bookmobile.cli import app as van_app
from central.cli import app as central_app
from central.models import Location, LocationKind
from central.services.collection import add_location
from tests.routes.conftest import Ctx

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "routes.md"


def shown(program: str) -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S) for line in block.splitlines()]
    return [
        words[1:] for words in (shlex.split(line, comments=True) for line in lines) if words and words[0] == program
    ]


def test_issue10_every_central_route_command_in_the_guide_runs(
    engine: Engine, ctx: Ctx, locations: dict[str, Location], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_location(ctx(), "BM2", LocationKind.BOOKMOBILE, "移動図書館(代車)")
    monkeypatch.setenv("CENTRAL_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CENTRAL_DATA_DIR", str(tmp_path / "var"))
    commands = shown("central")
    assert len(commands) >= 13
    runner = CliRunner()
    for args in commands:
        result = runner.invoke(central_app, args)
        assert result.exit_code == 0, f"central {' '.join(args)}:\n{result.output}{result.exception!r}"


def test_issue10_every_bookmobile_command_in_the_guide_exists() -> None:
    root = typer.main.get_command(van_app)
    commands = shown("bookmobile")
    assert {args[0] for args in commands} >= {"route", "load", "holds", "stop"}
    for args in commands:
        command, rest = root, list(args)
        while isinstance(command, TyperGroup) and rest and rest[0] in command.commands:
            command = command.commands[rest.pop(0)]
        assert not isinstance(command, TyperGroup), f"bookmobile {' '.join(args)} names no command"
        command.make_context("bookmobile", rest)  # its arguments and options parse
