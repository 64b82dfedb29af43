"""Issue 10 on the pages: the admin console edits the timetable and shows the statistics (a table
and an SVG chart, no script); patrons see each stop's next visits, on /stops and where they choose
the pickup place (R15). The ASGI app over real SQLite; the decisions behind it are tested on both
databases elsewhere."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central.models import CancelReason, Location, Patron, Route
from central.services.accounts import apply_internet_service
from central.services.routes import cancel_visit
from tests.routes.conftest import Ctx, MakePatron, MakeTitle
from tests.routes.test_stats_and_cli import _visit_day_operations
from tests.staff.helpers import post_form
from tests.sync.conftest import VanOutbox
from tests.web.helpers import sign_in


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "central.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def test_issue10_admin_builds_a_route_on_the_pages_cancels_a_visit_and_restores_it(admin_client: TestClient) -> None:
    overview = admin_client.get("/staff/routes")
    assert overview.status_code == 200 and 'href="/staff/routes" aria-current="page"' in overview.text
    made = post_form(
        admin_client,
        "/staff/routes",
        "/staff/stops",
        {
            "code": "BM1-S02",
            "name": "嘉数小学校",
            "name_reading": "かかずしょうがっこう",
            "address": "宜野湾市嘉数",
            "van": "BM1",
        },
    )
    assert "ステーション「嘉数小学校」を登録しました。" in made.text
    route = {"code": "BM1-A", "name": "木曜コース", "van": "BM1", "rule_kind": "every_n_weeks", "weekday": "3"}
    page = post_form(admin_client, "/staff/routes", "/staff/routes", route | {"every": "2", "starts": "2026-06-04"})
    assert "巡回コース「木曜コース」を登録しました。" in page.text and "隔週木曜" in page.text
    for stop, arrives, departs in (("BM1-S01", "10:00", "10:40"), ("BM1-S02", "11:00", "11:40")):
        data = {"stop": stop, "arrives": arrives, "departs": departs}
        page = post_form(admin_client, "/staff/routes/BM1-A", "/staff/routes/BM1-A/stops", data)
    assert "10:00〜10:40" in page.text and "嘉数小学校" in page.text
    assert 'id="visit-2026-06-18-BM1-S01"' in page.text  # the app's clock is 2026-06-11: next Thursday of the cycle
    data = {"day": "2026-06-18", "stop": "BM1-S02", "reason": "breakdown"}
    page = post_form(admin_client, "/staff/routes/BM1-A", "/staff/routes/BM1-A/cancel", data)
    assert "運休にしました。" in page.text and "運休(車両故障)" in page.text
    page = post_form(
        admin_client, "/staff/routes/BM1-A", "/staff/routes/BM1-A/restore", {"day": "2026-06-18", "stop": "BM1-S02"}
    )
    assert "運休を取り消しました。" in page.text and "運休(車両故障)" not in page.text


def test_issue10_a_refused_timetable_form_comes_back_with_its_message(admin_client: TestClient) -> None:
    route = {
        "code": "BM1-A",
        "name": "火曜",
        "van": "BM1",
        "rule_kind": "weekly",
        "weekday": "1",
        "starts": "2026-06-02",
    }
    post_form(admin_client, "/staff/routes", "/staff/routes", route)
    data = {"stop": "BM1-S01", "arrives": "11:00", "departs": "10:00"}
    page = post_form(admin_client, "/staff/routes/BM1-A", "/staff/routes/BM1-A/stops", data)
    assert "出発時刻は到着時刻より後にしてください。" in page.text
    data = {"day": "2026-06-17", "reason": "holiday"}  # a Wednesday: not a day of this route
    page = post_form(admin_client, "/staff/routes/BM1-A", "/staff/routes/BM1-A/cancel", data)
    assert "その日はこの巡回コースの巡回日ではありません。" in page.text


def test_issue10_the_timetable_is_for_admins_only(desk_client: TestClient) -> None:
    assert desk_client.get("/staff/routes").status_code == 403
    assert desk_client.get("/staff/routes/stats").status_code == 403


def test_issue10_statistics_page_shows_the_table_and_an_svg_chart_without_script(
    admin_client: TestClient, van: VanOutbox, make_patron: MakePatron, make_title: MakeTitle, weekly_route: Route
) -> None:
    _visit_day_operations(van, make_patron, make_title)
    page = admin_client.get("/staff/routes/stats?from=2026-06-01&to=2026-06-30").text
    assert "<svg" in page and "<rect" in page and "<script" not in page
    assert "大山公民館: 1.2件/回" in page  # 5 operations over the 4 visits of June
    assert 'id="visit-2026-06-10-BM1-S01"' in page


def test_issue10_patrons_see_each_stops_next_visits_and_cancellations(
    client: TestClient, ctx: Ctx, weekly_route: Route
) -> None:
    cancel_visit(ctx(actor="staff:admin"), weekly_route, date(2026, 6, 24), CancelReason.BREAKDOWN)
    page = client.get("/stops").text
    assert "大山公民館" in page and "2026年6月17日(水) 10:00〜10:40" in page
    assert "2026年7月1日(水)" in page and "2026年6月24日(水)の巡回は運休です。" in page


def test_issue10_r15_the_pickup_choice_shows_a_stops_next_visits(
    client: TestClient,
    ctx: Ctx,
    make_patron: MakePatron,
    make_title: MakeTitle,
    weekly_route: Route,
    locations: dict[str, Location],
) -> None:
    patron: Patron = make_patron(birth_date=date(1985, 7, 7))
    issued = apply_internet_service(ctx(), patron, "driving_licence")
    bib, _ = make_title()
    sign_in(client, patron.card_number, issued.temporary_password or "")
    page = client.get(f"/holds/new?bib={bib.id}").text
    assert f'id="visits-{locations["stop"].id}"' in page
    assert "次回の巡回: 2026年6月17日(水) 10:00〜10:40、2026年6月24日(水)" in page
