"""`central catalog ...`: the catalogue. Thin commands over `central.catalog`; errors reach `central.cli.main`."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from central.catalog import ImportReport, import_catalog
from central.db import make_engine, migrate, new_session
from central.settings import Settings

catalog_app = typer.Typer(no_args_is_help=True)


@catalog_app.callback()
def catalog() -> None:
    """Catalogue: import titles and their contributors."""


def _report_table(path: Path, report: ImportReport) -> Table:
    table = Table(title=f"カタログ取込 / catalogue import: {path.name}")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    for label, value in (
        ("works read / 作品", report.works),
        ("titles added / 追加", report.added),
        ("titles updated / 更新", report.updated),
        ("titles unchanged / 変更なし", report.unchanged),
        ("contributors written / 著者等", report.contributors),
    ):
        table.add_row(label, f"{value:,}")
    table.caption = f"{report.seconds:.2f} s"
    return table


@catalog_app.command(
    "import",
    help="Import an Aozora Bunko catalogue file (works.csv.gz or .csv). Re-importing updates titles, never duplicates.",
)
def import_command(
    path: Annotated[Path, typer.Argument(help="The catalogue file: UTF-8 CSV, plain or gzip-compressed.")],
) -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with new_session(engine) as session:
            report = import_catalog(session, path)
    finally:
        engine.dispose()
    Console().print(_report_table(path, report))
