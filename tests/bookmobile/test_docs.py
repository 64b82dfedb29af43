"""docs/bookmobile.md is checked: its example snapshot loads and every command it shows runs."""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bookmobile.cli import app
from sync_protocol.snapshot import Snapshot

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "bookmobile.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def commands() -> list[list[str]]:
    found = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "bookmobile":
                found.append(words[1:])
    return found


def test_the_guides_example_snapshot_is_valid() -> None:
    [example] = blocks("json")
    snapshot = Snapshot.from_json(example)
    assert snapshot.node_id == "van-1" and len(snapshot.roster) == 2


def test_every_command_in_the_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOOKMOBILE_DATA_DIR", str(tmp_path / "van"))
    monkeypatch.delenv("BOOKMOBILE_LANG", raising=False)
    (tmp_path / "snapshot.json").write_text(blocks("json")[0], encoding="utf-8")
    runner = CliRunner()
    shown = commands()
    assert len(shown) >= 15
    for args in shown:
        result = runner.invoke(app, args, input="")
        assert result.exit_code == 0, f"bookmobile {' '.join(args)}:\n{result.output}"
