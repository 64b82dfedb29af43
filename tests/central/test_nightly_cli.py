"""`central nightly`, `central scheduler`, `central notices ...`: thin commands, documented, honest exit codes."""

import sys
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from central.cli import app, main
from central.cli.nightly import STEP_LABELS
from central.nightly.job import STEPS
from tests.central.test_nightly_support import Ctx, MakePatron, MakeTitle, free_port, ready_hold

COMMANDS = (("nightly",), ("scheduler",), ("notices", "staff-list"), ("notices", "done"))


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's settings come from CENTRAL_* variables: point them at the test database."""
    monkeypatch.setenv("CENTRAL_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CENTRAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CENTRAL_CLOSED_WEEKDAYS", "[]")
    return tmp_path / "var"


def test_every_nightly_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    for path in COMMANDS:
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert command.help and command.help.strip(), f"central {' '.join(path)} has no help"
        for parameter in command.params:
            assert getattr(parameter, "help", None), f"central {' '.join(path)}: {parameter.name} has no help"


def test_r10_cli_nightly_runs_a_date_writes_the_demo_mail_and_lists_staff_work(
    cli_env: Path, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle
) -> None:
    ready_hold(ctx, make_patron, make_title)
    ready_hold(ctx, make_patron, make_title, contact="phone", name="電話希望")
    runner = CliRunner()
    result = runner.invoke(app, ["nightly", "--date", "2026-06-10"])
    assert result.exit_code == 0, result.output
    assert "completed" in result.output and "予約資料の確保通知" in result.output
    assert len(list((cli_env / "outbox-mail").glob("*.eml"))) == 1
    listed = runner.invoke(app, ["notices", "staff-list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "電話希望" in listed.output and "電話連絡を希望" in listed.output
    notice_id = listed.output.split("│")[1].strip()
    done = runner.invoke(app, ["notices", "done", notice_id])
    assert done.exit_code == 0 and "1 entry marked as done" in done.output


def test_r10_cli_nightly_exits_1_with_a_japanese_message_when_mail_could_not_be_sent(
    cli_env: Path,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CENTRAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CENTRAL_SMTP_PORT", str(free_port()))  # nothing listens
    monkeypatch.setenv("CENTRAL_SMTP_SECURITY", "none")
    ready_hold(ctx, make_patron, make_title)
    monkeypatch.setattr(sys, "argv", ["central", "nightly", "--date", "2026-06-10"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    assert "メール1件を送信できませんでした。次回の夜間処理で再送します。" in capsys.readouterr().err


def test_the_nightly_summary_names_every_step_in_japanese() -> None:
    assert set(STEP_LABELS) == {name for name, _ in STEPS}
