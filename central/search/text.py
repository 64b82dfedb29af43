"""What search matches: the folded text stored per title, and the terms a query folds into.

Both sides use `sync_protocol.normalize.fold_for_search`, so ﾈｺ, ネコ and ねこ index and query
alike. This module is dialect-neutral; the SQL that matches the terms lives in the dialect modules.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sync_protocol.normalize import fold_for_search

# `Bib.search_text` is two lines: the title part, then the author part. Folding squeezes every
# whitespace run (newlines included) to one space, so neither part can contain the separator.
PART_SEPARATOR = "\n"

# Trigram indexes cannot look up anything shorter: such terms go to the per-character index.
MIN_INDEXED_TERM = 3
MAX_TERMS = 8


@dataclass(frozen=True)
class Person:
    """A contributor as indexed: the name and its reading (either may be empty)."""

    name: str
    reading: str = ""


def _joined(text: str) -> str:
    """A name without inner spaces, so 夏目 漱石 is found by 夏目漱石 (and by 夏目 plus 漱石)."""
    return "".join(text.split())


def title_part(titles: Iterable[str]) -> str:
    """The folded title part: title, subtitle, their readings and the original title."""
    return fold_for_search(" ".join(t for t in titles if t))


def author_part(people: Iterable[Person]) -> str:
    """The folded author part: each contributor's name and reading, inner spaces removed."""
    forms = (_joined(form) for person in people for form in (person.name, person.reading))
    return fold_for_search(" ".join(f for f in forms if f))


def search_text(titles: Iterable[str], people: Iterable[Person]) -> str:
    """The value of `Bib.search_text` for a title with these title fields and contributors."""
    return title_part(titles) + PART_SEPARATOR + author_part(people)


def sort_key(title_reading: str, title: str) -> str:
    """Reading order (あいうえお順): the folded reading (or title, when there is none) without symbols.

    Library lists file by the words, so 「青猫」について sorts under あ, not before every title.
    """
    folded = fold_for_search(title_reading or title)
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


@dataclass(frozen=True)
class QueryTerms:
    """A query folded and split on whitespace: terms the index can look up, and shorter ones."""

    indexed: tuple[str, ...]
    short: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.indexed and not self.short


def query_terms(query: str) -> QueryTerms:
    """Fold `query` as the index was folded and split it into terms (all must match), duplicates dropped."""
    terms = list(dict.fromkeys(fold_for_search(query).split()))[:MAX_TERMS]
    return QueryTerms(
        indexed=tuple(t for t in terms if len(t) >= MIN_INDEXED_TERM),
        short=tuple(t for t in terms if len(t) < MIN_INDEXED_TERM),
    )
