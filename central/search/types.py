"""What a search asks and what it gives back: plain typed values, never ORM objects.

The web pages, the JSON API and the staff desk all render these, so none of them touch a session
after the search returns.
"""

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Ranking costs time per match. Past this many matches (a prolific author, a common kana) a
# ranking says little anyway: such results come in reading order, on every database.
MAX_RANKED = 2_000


class SearchField(StrEnum):
    """Where the terms must occur."""

    KEYWORD = "keyword"  # title fields or contributors
    TITLE = "title"  # title, subtitle, their readings, original title
    AUTHOR = "author"  # contributors' names and readings


@dataclass(frozen=True)
class SearchQuery:
    """A patron's or staff member's search: free text in one field, and the page wanted (from 1)."""

    text: str
    field: SearchField = SearchField.KEYWORD
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


@dataclass(frozen=True)
class Availability:
    """Copies on the shelf, copies on loan, and open holds waiting for the title."""

    on_shelf: int = 0
    on_loan: int = 0
    holds_waiting: int = 0


@dataclass(frozen=True)
class ContributorCredit:
    """A person credited on a title, in catalogue order."""

    name: str
    name_reading: str
    role: str


@dataclass(frozen=True)
class SearchHit:
    """One title in the results, with what the results list shows about it."""

    bib_id: int
    title: str
    title_reading: str
    subtitle: str
    publisher: str
    credit: str
    contributors: tuple[ContributorCredit, ...]
    availability: Availability


@dataclass(frozen=True)
class SearchPage:
    """One page of results: `total` counts every matching title, `hits` only this page's."""

    query: SearchQuery
    total: int
    hits: tuple[SearchHit, ...]

    @property
    def pages(self) -> int:
        """How many pages `total` titles fill (0 when nothing matched)."""
        return -(-self.total // self.query.per_page)
