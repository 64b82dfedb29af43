"""Issue 10, items 1 and 4: the timetable edited from `central route ...`, and statistics per stop
and visit (lends, returns, registrations, holds handed over) from the operations the vans sent."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.core import TyperGroup
from typer.testing import CliRunner

from central.cli import app
from central.cli.routes import route_app
from central.errors import CentralError
from central.models import CancelReason, Location, Route, RuleKind
from central.services.route_stats import route_stats
from central.services.routes import cancel_visit
from central.services.timetable_rules import Rule
from sync_protocol import operations as ops
from sync_protocol.timezone import tokyo_date, utc_now
from tests.routes.conftest import Ctx, MakePatron, MakeTitle
from tests.sync.conftest import NOW, VanOutbox


def _commands(group: TyperGroup, prefix: str) -> list[tuple[str, typer.core.TyperCommand]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            found += _commands(command, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


def test_issue10_every_route_command_and_parameter_has_help_text() -> None:
    commands = _commands(typer.main.get_command(route_app), "central route")  # type: ignore[arg-type]
    assert len(commands) >= 13
    for name, command in commands:
        assert (command.help or "").strip(), f"{name} has no help"
        for parameter in command.params:
            assert getattr(parameter, "help", None), f"{name}: {parameter.name} has no help"


@pytest.fixture
def central(
    engine: Engine, locations: dict[str, Location], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("CENTRAL_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CENTRAL_DATA_DIR", str(tmp_path / "var"))
    return CliRunner()


def test_issue10_cli_builds_a_timetable_cancels_a_visit_and_lists_it(central: CliRunner) -> None:
    def run(*args: str) -> str:
        result = central.invoke(app, ["route", *args])
        assert result.exit_code == 0, f"{args}: {result.output} {result.exception!r}"
        return result.output

    run(
        "stop",
        "create",
        "BM1-S02",
        "--name",
        "嘉数小学校",
        "--reading",
        "かかずしょうがっこう",
        "--address",
        "宜野湾市嘉数",
    )
    today = tokyo_date(utc_now())
    run(
        "add",
        "BM1-A",
        "--name",
        "火曜コース",
        "--weekday",
        "火",
        "--from",
        today.isoformat(),
        "--rule",
        "every_n_weeks",
        "--every",
        "2",
    )
    run("stop", "attach", "BM1-A", "BM1-S01", "--at", "10:00-10:40")
    run("stop", "attach", "BM1-A", "BM1-S02", "--at", "11:00-11:40")
    listing = run("list")
    assert "隔週火曜" in listing and "大山公民館 10:00〜10:40" in listing and "嘉数小学校" in listing
    first = next(Rule(RuleKind.EVERY_N_WEEKS, 1, today, 2).days(today, today + timedelta(days=14)))
    assert "運休" in run("cancel", "BM1-A", first.isoformat(), "--reason", "breakdown", "--stop", "BM1-S02")
    visits = run("visits", "--weeks", "3")
    assert visits.count("運休") == 1 and visits.count("大山公民館") == 2
    run("restore", "BM1-A", first.isoformat(), "--stop", "BM1-S02")
    assert "運休" not in run("visits", "--route", "BM1-A")
    run("stop", "edit", "BM1-S02", "--name", "嘉数小学校前")
    assert "嘉数小学校前" in run("list")
    run("edit", "BM1-A", "--rule", "monthly", "--nth", "-1")
    assert "毎月最終火曜" in run("list")


def test_issue10_cli_refusals_are_central_errors_with_their_code(central: CliRunner) -> None:
    result = central.invoke(app, ["route", "cancel", "NOPE", "2026-06-10"])
    assert isinstance(result.exception, CentralError) and result.exception.code == "unknown_route"
    result = central.invoke(app, ["route", "stop", "attach", "X", "BM1-S01", "--at", "10時"])
    assert isinstance(result.exception, CentralError) and result.exception.code == "bad_window"


def _visit_day_operations(van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle) -> None:
    """At 大山公民館 on the visit of 06-10: two lends, a return and a registration; a lend on 06-17."""
    reader = make_patron()
    _, copies = make_title(copies=3)
    due = date(2026, 6, 24)
    van.send(
        van.op(ops.Lend(reader.card_number, copies[0].barcode, due)),
        van.op(ops.Lend(reader.card_number, copies[1].barcode, due)),
        van.op(ops.Return(copies[0].barcode)),
        van.op(ops.RegisterPatron("80000001", "宮城さくら", "みやぎさくら", date(2000, 2, 2), "", "", None)),
    )
    later = NOW + timedelta(days=7)
    van.send(
        van.op(ops.Lend(reader.card_number, copies[2].barcode, due), at=later), received=later + timedelta(hours=8)
    )


def test_issue10_statistics_per_visit_and_per_stop_count_what_the_van_did_there(
    van: VanOutbox, ctx: Ctx, make_patron: MakePatron, make_title: MakeTitle, weekly_route: Route
) -> None:
    _visit_day_operations(van, make_patron, make_title)
    cancel_visit(ctx(actor="staff:admin"), weekly_route, date(2026, 6, 24), CancelReason.HOLIDAY)
    report = route_stats(ctx().session, date(2026, 6, 1), date(2026, 6, 30))
    by_day = {v.day: v for v in report.visits}
    assert by_day[date(2026, 6, 10)].counts == {"lends": 2, "returns": 1, "registrations": 1, "hand_overs": 0}
    assert by_day[date(2026, 6, 17)].counts["lends"] == 1 and by_day[date(2026, 6, 3)].total == 0
    assert by_day[date(2026, 6, 24)].cancelled and by_day[date(2026, 6, 10)].window == "10:00〜10:40"
    (stop,) = report.stops
    assert (stop.stop_name, stop.visits, stop.total) == ("大山公民館", 3, 5)  # 06-03, 06-10, 06-17
    assert stop.per_visit == pytest.approx(5 / 3)


def test_issue10_cli_stats_prints_the_table_and_bars(
    central: CliRunner, van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle, weekly_route: Route
) -> None:
    _visit_day_operations(van, make_patron, make_title)
    result = central.invoke(app, ["route", "stats", "--from", "2026-06-01", "--to", "2026-06-30"])
    assert result.exit_code == 0, result.output
    assert "大山公民館" in result.output and "█" * 20 in result.output and "1.2" in result.output  # 5 in 4 visits
