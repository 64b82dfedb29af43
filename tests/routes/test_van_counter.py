"""Issue 10, item 3, on the van: `bookmobile route` (today's stops from the pulled timetable and the
current one), `bookmobile load` (copies for holds at its stops, recorded as an operation), and a
clear answer at the counter for a hold that is not on the van (`bookmobile holds --card`)."""

import dataclasses
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bookmobile.cli import app
from bookmobile.store.schema import migrate
from bookmobile.store.snapshot_tables import read_snapshot, replace_snapshot
from sync_protocol.snapshot import CarriedItem, HoldState, HoldToHandOver, ItemState, Snapshot, Visit
from sync_protocol.timezone import tokyo_date, utc_now
from tests.bookmobile.builders import HANAKO, TARO, holds, items, make_snapshot

TODAY = tokyo_date(utc_now())
NEXT_WEEK = TODAY + timedelta(days=7)


def snapshot_with_timetable() -> bytes:
    """The builders' van, with a timetable from today and hold copies in every state."""
    van_holds = [
        *holds(),  # 71: HANAKO's copy B0008 on the van for S01; 72: TARO's B0009 for S02
        HoldToHandOver(74, HANAKO, 3, "B0012", "S02", None, HoldState.TO_LOAD),
        HoldToHandOver(75, HANAKO, 4, "", "S01", None, HoldState.QUEUED),
    ]
    snapshot = make_snapshot()
    return dataclasses.replace(
        snapshot,
        items=(*items(), CarriedItem("B0012", 3, ItemState.IN_TRANSIT, hold_id=74)),
        holds=tuple(van_holds),
        visits=(
            Visit("S01", TODAY, "10:00", "10:40", "BM1-A"),
            Visit("S02", TODAY, "11:00", "11:40", "BM1-A"),
            Visit("S01", NEXT_WEEK, "10:00", "10:40", "BM1-A", cancelled=True),
            Visit("S02", NEXT_WEEK, "11:00", "11:40", "BM1-A"),
        ),
    ).to_json()


@pytest.fixture
def van(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`van(*args, lang=...)` runs the CLI on a node standing at S01 with the snapshot above."""
    monkeypatch.setenv("BOOKMOBILE_DATA_DIR", str(tmp_path / "van"))
    runner = CliRunner()

    def run(*args: str, lang: str = "ja") -> Result:
        monkeypatch.setenv("BOOKMOBILE_LANG", lang)
        return runner.invoke(app, list(args))

    (tmp_path / "snapshot.json").write_bytes(snapshot_with_timetable())
    for args in (["init", "van-1"], ["snapshot", "load", str(tmp_path / "snapshot.json")], ["stop", "set", "S01"]):
        assert run(*args).exit_code == 0
    run.database = tmp_path / "van" / "bookmobile.db"  # type: ignore[attr-defined]
    return run


def test_issue10_route_shows_todays_stops_in_order_with_the_current_one(van) -> None:  # type: ignore[no-untyped-def]
    result = van("route")
    assert result.exit_code == 0, result.output
    first, second = result.output.index("大山公民館 (S01)"), result.output.index("真志喜児童センター (S02)")
    assert first < second and "← 現在地" in result.output[first:second]
    assert f"次の巡回日: {NEXT_WEEK.isoformat()}" in result.output


def test_issue10_route_of_another_day_marks_a_cancelled_visit(van) -> None:  # type: ignore[no-untyped-def]
    result = van("route", "--date", NEXT_WEEK.isoformat(), lang="en")
    assert result.exit_code == 0 and "cancelled" in result.output.split("S01")[1].splitlines()[0]


def test_issue10_the_holds_list_at_a_stop_shows_only_copies_on_the_van(van) -> None:  # type: ignore[no-untyped-def]
    result = van("holds", "--all")
    assert "B0008" in result.output and "B0009" in result.output and "B0012" not in result.output


def test_issue10_load_lists_what_to_load_then_records_the_copy_as_an_operation(van) -> None:  # type: ignore[no-untyped-def]
    listing = van("load", lang="en")
    assert "B0012" in listing.output and "真志喜児童センター" in listing.output
    loaded = van("load", "B0012")
    assert loaded.exit_code == 0, loaded.output
    assert "積み込み: B0012" in loaded.output and f"{TODAY.isoformat()} 11:00〜11:40" in loaded.output
    with sqlite3.connect(van.database) as conn:
        kind, body = conn.execute("SELECT type, body FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
    assert kind == "load_hold_copy" and json.loads(body)["payload"] == {"hold_id": 74, "barcode": "B0012"}
    assert "B0012" in van("holds", "--all").output
    again = van("load", "B0012", lang="en")
    assert again.exit_code == 1 and "[already_loaded]" in again.output
    assert "[nothing_to_load]" in van("load", "B0001", lang="en").output


def test_issue10_a_patron_asking_at_the_counter_hears_where_each_hold_is_and_when_it_comes(van) -> None:  # type: ignore[no-untyped-def]
    answer = van("holds", "--card", HANAKO, lang="en").output
    assert f"On the van: hand it over here (hand-over {HANAKO} B0008)" in answer
    comes = f"it comes to '真志喜児童センター' on the next visit, {NEXT_WEEK.isoformat()} 11:00-11:40"
    assert f"Waiting at the main library; {comes}" in answer
    assert "Hold placed; no copy is free yet" in answer
    japanese = van("holds", "--card", HANAKO).output
    assert "本館に確保済みです。「真志喜児童センター」の次の巡回" in japanese
    nothing = van("holds", "--card", TARO, lang="en").output
    assert "On the van, for pickup at '真志喜児童センター'" in nothing


def test_issue10_a_patron_without_stop_holds_is_told_where_to_look(van) -> None:  # type: ignore[no-untyped-def]
    answer = van("holds", "--card", "1000000004").output  # CHILD: no holds at all
    assert "この車両の停車場所で受け取る予約はありません" in answer


def test_issue10_the_pulled_timetable_survives_a_snapshot_round_trip(tmp_path: Path) -> None:
    snapshot = Snapshot.from_json(snapshot_with_timetable())
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    replace_snapshot(conn, snapshot, utc_now())
    stored = read_snapshot(conn)
    assert stored is not None and set(stored.visits) == set(snapshot.visits) and stored.holds == snapshot.holds
