"""The catalogue import on the real Aozora Bunko file: grouping, stored fields, idempotence, bad files, the CLI."""

import csv
import gzip
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from central.catalog import (
    CatalogColumnsMissing,
    CatalogError,
    CatalogFileNotFound,
    CatalogFileUnreadable,
    CatalogRowInvalid,
    ImportReport,
    import_catalog,
)
from central.catalog.aozora import REQUIRED_COLUMNS
from central.cli.catalog import catalog_app
from central.db import make_engine, migrate, new_session
from central.models import Bib, Contributor
from central.search import SearchField, SearchQuery, search_titles

AOZORA = Path(__file__).parents[2] / "central" / "data" / "aozora" / "works.csv.gz"
WORKS, ROWS = 17_780, 19_440


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    """A database file holding the real catalogue, imported once per module, and the import's report."""
    path = tmp_path_factory.mktemp("catalogue") / "central.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with new_session(engine) as session:
        report = import_catalog(session, AOZORA)
    engine.dispose()
    return path, report


@pytest.fixture
def catalogue(imported: tuple[Path, ImportReport], tmp_path: Path) -> Iterator[Session]:
    """A session on this test's own copy of the imported catalogue."""
    path = tmp_path / "central.db"
    shutil.copy(imported[0], path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def _counts(session: Session) -> tuple[int, int]:
    with session.begin():
        return (
            session.exec(select(func.count()).select_from(Bib)).one()[0],
            session.exec(select(func.count()).select_from(Contributor)).one()[0],
        )


def _write_csv(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = REQUIRED_COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _aozora_rows(work_id: str) -> list[dict[str, str]]:
    with gzip.open(AOZORA, "rt", encoding="utf-8", newline="") as stream:
        return [row for row in csv.DictReader(stream) if row["work_id"] == work_id]


def test_import_groups_rows_by_work_into_titles_and_contributors(
    imported: tuple[Path, ImportReport], catalogue: Session
) -> None:
    report = imported[1]
    assert (report.works, report.added, report.updated, report.contributors) == (WORKS, WORKS, 0, ROWS)
    assert _counts(catalogue) == (WORKS, ROWS)


def test_import_is_fast(imported: tuple[Path, ImportReport]) -> None:
    assert imported[1].seconds < 10


def test_import_stores_reading_publisher_credit_and_folded_search_text(catalogue: Session) -> None:
    with catalogue.begin():
        neko = catalogue.exec(select(Bib).where(Bib.source_id == "aozora:000789")).one()[0]
        people = catalogue.exec(select(Contributor).where(Contributor.bib_id == neko.id)).all()
    assert (neko.title, neko.title_reading, neko.credit) == ("吾輩は猫である", "わがはいはねこである", "青空文庫")
    assert (neko.publisher, neko.source_book, neko.ndc) == ("ちくま文庫、筑摩書房", "夏目漱石全集1", "913")
    assert neko.sort_key == "わがはいはねこである"
    assert neko.search_text == "吾輩は猫である わがはいはねこである\n夏目漱石 なつめそうせき"
    [(soseki,)] = people
    assert (soseki.name, soseki.name_reading, soseki.role) == ("夏目 漱石", "なつめ そうせき", "著者")


def test_import_folds_katakana_readings_and_lists_authors_before_translators(catalogue: Session) -> None:
    with catalogue.begin():
        bib = catalogue.exec(select(Bib).where(Bib.source_id == "aozora:062459")).one()[0]
        roles = catalogue.exec(
            select(Contributor.role).where(Contributor.bib_id == bib.id).order_by(Contributor.position)
        ).all()
    assert bib.sort_key == "べとなむげんだいたんぺんしゅうに"
    assert [r[0] for r in roles] == sorted((r[0] for r in roles), key=lambda role: role != "著者")


def test_reimport_of_the_same_file_changes_nothing(catalogue: Session) -> None:
    report = import_catalog(catalogue, AOZORA)
    assert (report.added, report.updated, report.unchanged, report.contributors) == (0, 0, WORKS, 0)
    assert _counts(catalogue) == (WORKS, ROWS)


def test_reimport_updates_changed_titles_and_their_index(catalogue: Session, tmp_path: Path) -> None:
    rows = _aozora_rows("000789")
    rows[0] |= {"title": "吾輩ハ猫デアル（改訂）", "last_name_yomi": "ナツメ"}
    report = import_catalog(catalogue, _write_csv(tmp_path / "changed.csv", rows))
    assert (report.added, report.updated, report.unchanged, report.contributors) == (0, 1, 0, 1)
    assert _counts(catalogue) == (WORKS, ROWS)
    page = search_titles(catalogue, SearchQuery("猫デアル（改訂", SearchField.TITLE))
    assert [h.title for h in page.hits] == ["吾輩ハ猫デアル（改訂）"]


def test_import_adds_new_works_from_a_plain_csv(empty: Engine, tmp_path: Path) -> None:
    rows = _aozora_rows("000789") + _aozora_rows("062459")
    with new_session(empty) as session:
        report = import_catalog(session, _write_csv(tmp_path / "two.csv", rows))
        assert (report.works, report.added, report.contributors) == (2, 2, 1 + len(_aozora_rows("062459")))
        assert _counts(session) == (2, report.contributors)


def _not_gzip_or_csv(path: Path) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd")
    return path


def _truncated_gzip(path: Path) -> Path:
    path.write_bytes(AOZORA.read_bytes()[:5000])
    return path


def _wrong_columns(path: Path) -> Path:
    return _write_csv(path, [{"work_id": "1", "title": "x"}], ("work_id", "title", "author"))


def _empty_title(path: Path) -> Path:
    rows = _aozora_rows("000789")
    rows[0]["title"] = ""
    return _write_csv(path, rows)


def _ragged_row(path: Path) -> Path:
    text = io.StringIO()
    csv.writer(text).writerows([REQUIRED_COLUMNS, ["000001", "題"]])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make_file", "error", "code"),
    [
        (lambda p: p / "missing.csv.gz", CatalogFileNotFound, "catalog_file_not_found"),
        (lambda p: p, CatalogFileNotFound, "catalog_file_not_found"),
        (lambda p: _not_gzip_or_csv(p / "image.png"), CatalogFileUnreadable, "catalog_file_unreadable"),
        (lambda p: _truncated_gzip(p / "works.csv.gz"), CatalogFileUnreadable, "catalog_file_unreadable"),
        (lambda p: _wrong_columns(p / "wrong.csv"), CatalogColumnsMissing, "catalog_columns_missing"),
        (lambda p: _empty_title(p / "empty-title.csv"), CatalogRowInvalid, "catalog_row_invalid"),
        (lambda p: _ragged_row(p / "ragged.csv"), CatalogRowInvalid, "catalog_row_invalid"),
    ],
    ids=["missing", "directory", "binary", "truncated-gzip", "wrong-columns", "empty-title", "ragged-row"],
)
def test_bad_catalogue_files_give_a_clear_error_and_write_nothing(
    empty: Engine, tmp_path: Path, make_file: object, error: type[CatalogError], code: str
) -> None:
    path = make_file(tmp_path)  # type: ignore[operator]
    with new_session(empty) as session:
        with pytest.raises(error) as raised:
            import_catalog(session, path)
        assert raised.value.code == code
        assert raised.value.ja and raised.value.en and str(path) in raised.value.ja
        assert _counts(session) == (0, 0)


def test_cli_import_prints_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRAL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rows = _aozora_rows("000789")
    result = CliRunner().invoke(catalog_app, ["import", str(_write_csv(tmp_path / "one.csv", rows))])
    assert result.exit_code == 0, result.output
    assert "titles added" in result.output and "1" in result.output


def test_cli_import_of_a_bad_file_raises_the_catalogue_error_for_the_cli_to_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRAL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    result = CliRunner().invoke(catalog_app, ["import", str(tmp_path / "missing.csv")])
    assert result.exit_code != 0
    assert isinstance(result.exception, CatalogFileNotFound)


def test_every_catalogue_command_has_help_text() -> None:
    for command in catalog_app.registered_commands:
        assert command.help, command.name
    assert catalog_app.registered_callback and catalog_app.registered_callback.callback.__doc__
