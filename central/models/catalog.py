"""The catalogue: bibliographic records (titles), their contributors, and the physical copies."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class Bib(SQLModel, table=True):
    """A title. Holds are placed on titles (any copy will do), loans on copies."""

    id: int | None = Field(default=None, primary_key=True)
    source_id: str | None = Field(default=None, unique=True, max_length=64)
    title: str = Field(max_length=500)
    title_reading: str = Field(default="", max_length=500)
    subtitle: str = Field(default="", max_length=500)
    subtitle_reading: str = Field(default="", max_length=500)
    original_title: str = Field(default="", max_length=500)
    ndc: str = Field(default="", max_length=64)
    publisher: str = Field(default="", max_length=300)
    source_book: str = Field(default="", max_length=500)
    first_edition: str = Field(default="", max_length=200)
    credit: str = Field(default="", max_length=100)
    # Folded (sync_protocol.normalize.fold_for_search) title, readings and contributors: what search matches.
    search_text: str = Field(default="")
    # Folded reading of the title, the secondary sort key of search results (あいうえお順).
    sort_key: str = Field(default="", max_length=500, index=True)


class Contributor(SQLModel, table=True):
    """A person credited on a title: author (著者), translator (翻訳者), editor (編者) ..."""

    id: int | None = Field(default=None, primary_key=True)
    bib_id: int = Field(foreign_key="bib.id", index=True)
    position: int = 0
    name: str = Field(max_length=200)
    name_reading: str = Field(default="", max_length=200)
    role: str = Field(default="著者", max_length=32)
    source_person_id: str = Field(default="", max_length=32)


class ItemStatus(StrEnum):
    AVAILABLE = "available"  # on the shelf (at the library or on a van), free to lend
    ON_LOAN = "on_loan"
    ON_HOLD_SHELF = "on_hold_shelf"  # caught for a hold, waiting at its pickup place
    IN_TRANSIT = "in_transit"  # caught for a hold, travelling to its pickup place
    MISSING = "missing"
    WITHDRAWN = "withdrawn"


class Item(SQLModel, table=True):
    """A physical copy with its barcode."""

    id: int | None = Field(default=None, primary_key=True)
    barcode: str = Field(unique=True, max_length=32)
    bib_id: int = Field(foreign_key="bib.id", index=True)
    home_location_id: int = Field(foreign_key="location.id")
    current_location_id: int = Field(foreign_key="location.id", index=True)
    status: str = Field(default=ItemStatus.AVAILABLE, max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
