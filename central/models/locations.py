"""Places where circulation happens: the main library, each bookmobile, and the bookmobiles' stops."""

from enum import StrEnum

from sqlmodel import Field, SQLModel


class LocationKind(StrEnum):
    MAIN = "main"
    BOOKMOBILE = "bookmobile"
    STOP = "stop"


class Location(SQLModel, table=True):
    """A service point. A stop (ステーション) belongs to the bookmobile that serves it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=200)
    name_reading: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    parent_id: int | None = Field(default=None, foreign_key="location.id")
