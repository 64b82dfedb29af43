"""The catalogue: importing the Aozora Bunko catalogue file into titles and their contributors."""

from central.catalog.errors import (
    CatalogColumnsMissing,
    CatalogError,
    CatalogFileNotFound,
    CatalogFileUnreadable,
    CatalogRowInvalid,
)
from central.catalog.importer import CREDIT, ImportReport, import_catalog

__all__ = [
    "CREDIT",
    "CatalogColumnsMissing",
    "CatalogError",
    "CatalogFileNotFound",
    "CatalogFileUnreadable",
    "CatalogRowInvalid",
    "ImportReport",
    "import_catalog",
]
