"""Catalogue search for Japanese: titles, readings and authors, folded so every kana and width form matches.

`search_titles` is the entry point; `refresh_search_text` keeps a title's folded text current when a
service adds or edits it outside the catalogue import.
"""

from central.search.errors import InvalidSearchRequest, SearchError, SearchUnavailable
from central.search.indexing import refresh_search_text
from central.search.service import search_titles
from central.search.text import Person, search_text, sort_key
from central.search.types import (
    Availability,
    ContributorCredit,
    SearchField,
    SearchHit,
    SearchPage,
    SearchQuery,
)

__all__ = [
    "Availability",
    "ContributorCredit",
    "InvalidSearchRequest",
    "Person",
    "SearchError",
    "SearchField",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "SearchUnavailable",
    "refresh_search_text",
    "search_text",
    "search_titles",
    "sort_key",
]
