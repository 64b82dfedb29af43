"""Issue 10, item 1: the demo library's van serves its four stops on a timetable (every other
Tuesday and Thursday), so the walkthrough shows visits on the pages and on the van."""

from datetime import timedelta
from pathlib import Path

from central.db import make_engine, migrate, new_session
from central.demo import load_demo
from central.services.context import transaction
from central.services.timetable import route_summaries, visits
from central.settings import Settings
from sync_protocol.timezone import tokyo_date, utc_now


def test_issue10_the_demo_van_visits_its_four_stops_every_other_tuesday_and_thursday(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'central.db'}", data_dir=tmp_path)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with new_session(engine) as session:
        load_demo(session, settings, patrons=10)
        with transaction(session):
            summaries = route_summaries(session)
            today = tokyo_date(utc_now())
            coming = visits(session, today, today + timedelta(days=27))  # any four weeks
    engine.dispose()
    assert [(r.code, r.rule.describe(), len(r.stops)) for r in summaries] == [
        ("BM1-A", "隔週火曜", 2),
        ("BM1-B", "隔週木曜", 2),
    ]
    assert {v.stop_code for v in coming} == {"BM1-S01", "BM1-S02", "BM1-S03", "BM1-S04"}
    assert {v.day.weekday() for v in coming} == {1, 3} and len(coming) == 8  # two visits per stop in four weeks
