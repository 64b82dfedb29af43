"""Reading the Aozora Bunko catalogue file: one row per (work, person), grouped into works.

The file is UTF-8 CSV with a header row, plain or gzip-compressed (detected by content, not by
name). Everything that can be wrong with it becomes a CatalogError before the database is touched.
"""

import csv
import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from central.catalog.errors import CatalogColumnsMissing, CatalogFileNotFound, CatalogFileUnreadable, CatalogRowInvalid

REQUIRED_COLUMNS = (
    "work_id", "title", "title_yomi", "subtitle", "subtitle_yomi", "original_title", "ndc",
    "person_id", "last_name", "first_name", "last_name_yomi", "first_name_yomi", "role",
    "source_book", "source_publisher", "source_first_edition",
)  # fmt: skip
_GZIP_MAGIC = b"\x1f\x8b"
# Authors first, then the other roles, as Aozora Bunko lists them on a work's card.
_ROLE_ORDER = {"著者": 0, "翻訳者": 1, "編者": 2, "校訂者": 3}


@dataclass(frozen=True)
class AozoraPerson:
    """A person credited on a work, with the role Aozora Bunko gives."""

    person_id: str
    name: str
    reading: str
    role: str


@dataclass
class AozoraWork:
    """One work (作品) with its people, from the rows that share its work_id."""

    work_id: str
    title: str
    title_reading: str
    subtitle: str
    subtitle_reading: str
    original_title: str
    ndc: str
    source_book: str
    publisher: str
    first_edition: str
    people: list[AozoraPerson] = field(default_factory=list)

    @property
    def source_id(self) -> str:
        return f"aozora:{self.work_id}"


def _spaced(*parts: str) -> str:
    """姓 名 as Aozora Bunko shows them: family name, a space, given name (either may be missing)."""
    return " ".join(p.strip() for p in parts if p.strip())


def _work(row: dict[str, str]) -> AozoraWork:
    return AozoraWork(
        work_id=row["work_id"].strip(),
        title=row["title"].strip(),
        title_reading=row["title_yomi"].strip(),
        subtitle=row["subtitle"].strip(),
        subtitle_reading=row["subtitle_yomi"].strip(),
        original_title=row["original_title"].strip(),
        ndc=row["ndc"].removeprefix("NDC").strip(),
        source_book=row["source_book"].strip(),
        publisher=row["source_publisher"].strip(),
        first_edition=row["source_first_edition"].strip(),
    )


def _person(row: dict[str, str]) -> AozoraPerson:
    return AozoraPerson(
        person_id=row["person_id"].strip(),
        name=_spaced(row["last_name"], row["first_name"]),
        reading=_spaced(row["last_name_yomi"], row["first_name_yomi"]),
        role=row["role"].strip() or "著者",
    )


@contextmanager
def _text(path: Path) -> Iterator[io.TextIOBase]:
    """The file as text, decompressing it when it starts with the gzip signature."""
    if not path.is_file():
        raise CatalogFileNotFound(path)
    with path.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as stream:
        yield stream


def _rows(path: Path, stream: io.TextIOBase) -> Iterator[dict[str, str]]:
    """The rows, after checking the header has every column the import needs and each row is whole."""
    reader = csv.DictReader(stream)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogColumnsMissing(path, missing)
    for row in reader:
        if None in row.values() or None in row:
            raise CatalogRowInvalid(path, reader.line_num, "列の数がヘッダーと合いません。", "wrong number of fields")
        if not row["work_id"].strip() or not row["title"].strip():
            raise CatalogRowInvalid(path, reader.line_num, "作品IDまたは題名が空です。", "empty work_id or title")
        yield row


def read_works(path: Path) -> list[AozoraWork]:
    """The works in a catalogue file, in file order, each with its people (authors first)."""
    works: dict[str, AozoraWork] = {}
    try:
        with _text(path) as stream:
            for row in _rows(path, stream):
                work_id = row["work_id"].strip()
                if work_id not in works:
                    works[work_id] = _work(row)
                work, person = works[work_id], _person(row)
                if person.name and person not in work.people:
                    work.people.append(person)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as error:
        raise CatalogFileUnreadable(path, str(error) or type(error).__name__) from error
    for work in works.values():
        work.people.sort(key=lambda p: _ROLE_ORDER.get(p.role, len(_ROLE_ORDER)))
    return list(works.values())
