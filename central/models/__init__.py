"""Central's tables (SQLModel). Importing this package registers every table on `metadata`.

Schema changes go through Alembic (`central/migrations`), never `create_all`, so a database
created today and one migrated from the first release have the same shape.
"""

from central.models.audit import AuditEntry
from central.models.base import metadata
from central.models.catalog import Bib, Contributor, Item, ItemStatus
from central.models.circulation import Hold, HoldStatus, Loan
from central.models.locations import Location, LocationKind
from central.models.nightly import JobLock, NightlyRun
from central.models.notices import Notice
from central.models.patrons import InternetAccount, Patron, PatronBlock, PatronStatus
from central.models.routes import CancelReason, Route, RouteStop, RuleKind, VisitCancellation
from central.models.staff import StaffRole, StaffSession, StaffUser
from central.models.sync import (
    CardBlock,
    ChangeLogEntry,
    ChangeLogMark,
    Conflict,
    ConflictStatus,
    NodeStatus,
    RequestNonce,
    SyncBatch,
    SyncNode,
    SyncOperation,
)
from central.models.web import SignInFailure, WebSession

# R2: the kinds of identity document are the protocol's, so the desk and the vans record the same ones.
from sync_protocol.operations import IdDocumentKind

__all__ = [
    "AuditEntry",
    "Bib",
    "CancelReason",
    "CardBlock",
    "ChangeLogEntry",
    "ChangeLogMark",
    "Conflict",
    "ConflictStatus",
    "Contributor",
    "Hold",
    "HoldStatus",
    "IdDocumentKind",
    "InternetAccount",
    "Item",
    "ItemStatus",
    "JobLock",
    "Loan",
    "Location",
    "LocationKind",
    "NightlyRun",
    "NodeStatus",
    "Notice",
    "Patron",
    "PatronBlock",
    "PatronStatus",
    "RequestNonce",
    "Route",
    "RouteStop",
    "RuleKind",
    "SignInFailure",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "SyncBatch",
    "SyncNode",
    "SyncOperation",
    "VisitCancellation",
    "WebSession",
    "metadata",
]
