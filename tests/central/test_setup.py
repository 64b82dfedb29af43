"""The two-command setup: demo library, /healthz, and a CLI that explains instead of crashing."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from central.cli import app as central_cli
from central.db import make_engine, migrate, new_session
from central.demo import DEMO_CARD, DEMO_PASSWORD, load_demo
from central.models import Hold, Loan
from central.services.accounts import authenticate
from central.services.context import ServiceContext
from central.settings import Settings
from central.web.app import create_app


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("demo")
    settings = Settings(database_url=f"sqlite:///{folder / 'central.db'}", data_dir=folder)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with new_session(engine) as session:
        load_demo(session, settings, patrons=60)
    engine.dispose()
    return settings


def test_healthz_reports_the_real_catalogue_size_and_the_database(demo_settings: Settings) -> None:
    with TestClient(create_app(demo_settings)) as client:
        body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == "sqlite"
    assert body["titles"] >= 17000


def test_demo_has_loans_holds_and_a_walkthrough_patron_who_can_sign_in(demo_settings: Settings) -> None:
    engine = make_engine(demo_settings.database_url)
    with new_session(engine) as session:
        with session.begin():
            assert session.exec(select(func.count()).select_from(Loan)).one() > 50
            assert session.exec(select(func.count()).select_from(Hold)).one() > 10
        ctx = ServiceContext(session, demo_settings.policy(), "test", None)
        assert authenticate(ctx, DEMO_CARD, DEMO_PASSWORD).card_number == DEMO_CARD
    engine.dispose()


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every command under a Typer group, with its full name."""
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if hasattr(command, "commands"):
            found += _commands(command, f"{prefix}{name} ")
    return found


def test_every_central_command_has_help_text() -> None:
    root = typer.main.get_command(central_cli)
    assert len(_commands(root)) >= 4
    missing = [name for name, command in _commands(root) if not (command.help or "").strip()]
    assert missing == []


def test_cli_error_is_a_japanese_message_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CENTRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    central = Path(sys.executable).with_name("central")
    result = subprocess.run(
        [str(central), "catalog", "import", str(tmp_path / "missing.csv.gz")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "見つかりません" in result.stderr
