"""Bookmobile nodes, what they sent, the conflicts it raised, and the change log they pull from."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from central.models.base import UTCDateTime


class NodeStatus(StrEnum):
    PENDING = "pending"  # an enrolment code was issued; the node has not used it yet
    ACTIVE = "active"
    REVOKED = "revoked"  # refused at once, for good (a stolen laptop)
    QUARANTINED = "quarantined"  # sent a sequence number with a different body (clone or old backup)


class SyncNode(SQLModel, table=True):
    """A bookmobile laptop known to central, with its public key and sync bookkeeping."""

    __tablename__ = "sync_node"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    location_id: int = Field(foreign_key="location.id")
    status: str = Field(default=NodeStatus.PENDING, max_length=16)
    public_key: str = Field(default="", max_length=64)
    enrol_code_hash: str = Field(default="", max_length=64)
    enrol_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped at every (re-)enrolment: sequence numbers start again at 1 in a new epoch.
    epoch: int = 0
    high_water: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_batch_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_pull_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Node clock minus central's clock, as measured at the last contact (SPEC 8).
    clock_offset_ms: int | None = None


class RequestNonce(SQLModel, table=True):
    """Nonces seen inside the timestamp window: a captured request sent again is refused."""

    __tablename__ = "sync_nonce"
    __table_args__ = (sa.UniqueConstraint("node_id", "nonce"),)

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="sync_node.id")
    nonce: str = Field(max_length=64)
    seen_at: datetime = Field(sa_type=UTCDateTime, index=True)


class SyncBatch(SQLModel, table=True):
    """A batch central applied, with the receipt it answered (sent again verbatim on a replay)."""

    __tablename__ = "sync_batch"
    __table_args__ = (
        sa.UniqueConstraint("node_id", "epoch", "sha256"),
        # The night finds the receipts it has not yet gone through (`retention.forget_receipt_messages`).
        sa.Index("ix_sync_batch_messages_forgotten", "messages_forgotten", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="sync_node.id", index=True)
    epoch: int
    first_seq: int
    last_seq: int
    sha256: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)
    clock_offset_ms: int | None = None
    receipt: str  # JSON
    # Set by the night that emptied the receipt's messages (or found none): never read for them again.
    messages_forgotten: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class SyncOperation(SQLModel, table=True):
    """Every operation central took in, for ever: (node, epoch, seq) is unique (B3).

    What the operation said (`body`) is not kept for ever: duplicates and replays are recognised
    by `sha256`, which covers the node's `op_id` too. The only indexes are those central's look-ups
    use: not `op_id`, a random UUID nothing looks up, whose index would make every insert touch a
    random page once the table holds years of operations (migration 0014)."""

    __tablename__ = "sync_operation"
    __table_args__ = (sa.UniqueConstraint("node_id", "epoch", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    op_id: str = Field(max_length=36)
    node_id: int = Field(foreign_key="sync_node.id")  # looked up through (node_id, epoch, seq)
    epoch: int
    seq: int
    sha256: str = Field(max_length=64)
    type: str = Field(max_length=32)
    stop_code: str = ""  # where the van stood (route statistics), kept when the body is forgotten
    # Canonical JSON of the operation, kept so conflicts can be decided later; emptied by the
    # nightly job once nothing needs it (no reading history: `services.housekeeping`).
    body: str
    wall_time: datetime = Field(sa_type=UTCDateTime)
    effective_at: datetime = Field(sa_type=UTCDateTime)
    outcome: str = Field(max_length=16)
    code: str = Field(default="", max_length=64)
    batch_id: int | None = Field(default=None, foreign_key="sync_batch.id")
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ConflictStatus(StrEnum):
    OPEN = "open"  # no safe default: an admin decides
    AUTO = "auto"  # a safe default was applied; an admin may review or override it
    RESOLVED = "resolved"
    VOIDED = "voided"


class Conflict(SQLModel, table=True):
    """What central could not apply cleanly (B5): both sides' facts, the default taken, the decision."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    status: str = Field(max_length=16, index=True)
    node_id: int | None = Field(default=None, foreign_key="sync_node.id", index=True)
    operation_id: int | None = Field(default=None, foreign_key="sync_operation.id", index=True)
    summary: str = Field(max_length=500)  # Japanese, for the admin console
    van_facts: str = Field(default="")  # JSON
    central_facts: str = Field(default="")  # JSON
    default_action: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    resolution: str = Field(default="", max_length=500)
    resolved_by: str = Field(default="", max_length=64)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CardBlock(SQLModel, table=True):
    """A range of card numbers a node may give out (B6), so two vans never issue the same one."""

    __tablename__ = "card_block"

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="sync_node.id", index=True)
    first: str = Field(max_length=16)
    last: str = Field(max_length=16)
    issued_at: datetime = Field(sa_type=UTCDateTime)


class ChangeLogEntry(SQLModel, table=True):
    """A monotonic log of what changed: nodes pull the entries after their cursor (B6).

    One entry per scope a transaction changed, with the keys it changed there
    (`central.services.changelog.pack_keys`).
    """

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_scope_id", "scope", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)
    keys: str = Field(sa_type=sa.Text)


class ChangeLogMark(SQLModel, table=True):
    """The change log's newest id as a nightly run found it (`central.services.changelog.forget_before`).

    The log's rows carry no time; these marks tell a later night which of them are old enough to
    forget.
    """

    __tablename__ = "change_log_mark"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    cursor: int
