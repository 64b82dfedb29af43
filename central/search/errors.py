"""The search package's exception root and its kinds (`CentralError`s: each surface renders them in one place)."""

from central.errors import CentralError


class SearchError(CentralError):
    """Base of every search error."""


class InvalidSearchRequest(SearchError):
    """The page or page size asked for is out of range."""

    status = 422


class SearchUnavailable(SearchError):
    """The database in use has no search index yet."""

    status = 503
