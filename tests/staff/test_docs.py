"""docs/staff.md is checked against the code: every staff and conflicts command, every decision,
every conflict kind the console labels, and every staff setting is in the guide."""

import re
from pathlib import Path

import typer

from central.cli import app
from central.settings import Settings
from central.staff.labels import KIND_LABELS
from central.sync.resolution import Action

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "staff.md").read_text(encoding="utf-8")
STAFF_SETTINGS = ("staff_session_minutes", "node_silence_alert_hours", "hold_expiring_days")


def test_every_staff_and_conflicts_command_is_in_the_guide() -> None:
    root = typer.main.get_command(app)
    for group in ("staff", "conflicts"):
        for name in root.commands[group].commands:  # type: ignore[attr-defined]
            assert re.search(rf"central {group} {name}\b", GUIDE), f"central {group} {name}"


def test_every_decision_and_every_conflict_kind_is_explained() -> None:
    for action in Action:
        assert f"`{action.value}`" in GUIDE, action
    for kind in KIND_LABELS:
        assert f"`{kind}`" in GUIDE, kind


def test_every_staff_setting_is_documented_with_its_default() -> None:
    for name in STAFF_SETTINGS:
        default = Settings.model_fields[name].default
        assert re.search(rf"`CENTRAL_{name.upper()}` \| {default} \|", GUIDE), name
