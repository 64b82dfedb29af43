"""The node's schema and its migrations, versioned with `PRAGMA user_version`.

A van may be updated while it still holds unsent operations, so the schema only moves forward:
each migration is a list of statements applied in one transaction together with the new version
number. A database newer than the program is refused rather than guessed at.

The outbox guards itself: triggers make it append-only (no delete, no edit of a recorded
operation, `sent_at` set once) and its sequence gap-free, whatever code writes to it.
"""

import sqlite3

from bookmobile.errors import SchemaTooNew
from bookmobile.store.connection import write_transaction

_V1 = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # --- the last snapshot from central (replaced as a whole on load) ---
    """CREATE TABLE snap_info (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        node_id TEXT NOT NULL, generated_at TEXT NOT NULL, loaded_at TEXT NOT NULL,
        cursor INTEGER NOT NULL, node_applied_seq INTEGER NOT NULL,
        library_name TEXT NOT NULL, policy_json TEXT NOT NULL)""",
    "CREATE TABLE snap_stop (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE snap_card_block (first TEXT PRIMARY KEY, last TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE snap_title (bib_id INTEGER PRIMARY KEY, title TEXT NOT NULL, holds_waiting INTEGER NOT NULL)",
    """CREATE TABLE snap_item (
        barcode TEXT PRIMARY KEY, bib_id INTEGER NOT NULL, status TEXT NOT NULL, due_date TEXT,
        borrower_card TEXT, renewal_count INTEGER NOT NULL, hold_id INTEGER) WITHOUT ROWID""",
    """CREATE TABLE snap_hold (
        hold_id INTEGER PRIMARY KEY, card_number TEXT NOT NULL, bib_id INTEGER NOT NULL,
        barcode TEXT NOT NULL, stop_code TEXT NOT NULL, pickup_deadline TEXT)""",
    "CREATE INDEX snap_hold_barcode ON snap_hold (barcode)",
    """CREATE TABLE snap_patron (
        card_number TEXT PRIMARY KEY, name TEXT NOT NULL, name_reading TEXT NOT NULL,
        blocked INTEGER NOT NULL, open_loans INTEGER NOT NULL, has_internet_account INTEGER NOT NULL,
        internet_eligible_from TEXT NOT NULL) WITHOUT ROWID""",
    # --- the van's local view: what it changed since the snapshot; `seq` is the outbox entry that did it ---
    """CREATE TABLE local_patron (
        card_number TEXT PRIMARY KEY, name TEXT, name_reading TEXT, internet_eligible_from TEXT,
        has_internet_account INTEGER, seq INTEGER NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE local_item (
        barcode TEXT PRIMARY KEY, status TEXT NOT NULL, due_date TEXT, borrower_card TEXT,
        renewal_count INTEGER NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID""",
    "CREATE TABLE local_loan_delta (seq INTEGER PRIMARY KEY, card_number TEXT NOT NULL, delta INTEGER NOT NULL)",
    "CREATE INDEX local_loan_delta_card ON local_loan_delta (card_number)",
    "CREATE TABLE local_hold_done (hold_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
    "CREATE TABLE card_allocation (card_number TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
    # --- the outbox ---
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        op_id TEXT NOT NULL UNIQUE,
        epoch INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        sent_at TEXT)""",
    """CREATE TRIGGER outbox_gap_free BEFORE INSERT ON outbox
        WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox)
        BEGIN SELECT RAISE(ABORT, 'outbox sequence must be gap-free'); END""",
    """CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'outbox is append-only'); END""",
    """CREATE TRIGGER outbox_immutable BEFORE UPDATE OF seq, op_id, epoch, type, body, sha256, recorded_at ON outbox
        BEGIN SELECT RAISE(ABORT, 'a recorded operation is never edited'); END""",
    """CREATE TRIGGER outbox_sent_once BEFORE UPDATE OF sent_at ON outbox WHEN OLD.sent_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'an operation is marked sent once'); END""",
)

# Version 2: no reading history on a laptop that can be stolen. Once central has acknowledged an
# operation and the retention period has passed, its body (which names patron and copy) may be
# emptied; its number, id and checksum stay, so the sequence and the resume check still hold.
_V2 = (
    "DROP TRIGGER outbox_immutable",
    """CREATE TRIGGER outbox_immutable BEFORE UPDATE OF seq, op_id, epoch, type, sha256, recorded_at ON outbox
        BEGIN SELECT RAISE(ABORT, 'a recorded operation is never edited'); END""",
    """CREATE TRIGGER outbox_forget_only_sent BEFORE UPDATE OF body ON outbox
        WHEN OLD.sent_at IS NULL OR NEW.body <> ''
        BEGIN SELECT RAISE(ABORT, 'a recorded operation is never edited, only forgotten once sent'); END""",
)

# Version 3: routes and stops (docs/routes.md). Holds for the van's stops carry where their copy
# is (on the van, to be loaded, no copy yet), the van records what it loaded, and keeps the
# timetable of its stops it pulled.
_V3 = (
    "ALTER TABLE snap_hold ADD COLUMN state TEXT NOT NULL DEFAULT 'on_van'",
    """CREATE TABLE snap_visit (
        stop_code TEXT NOT NULL, day TEXT NOT NULL, starts TEXT NOT NULL, ends TEXT NOT NULL,
        route_code TEXT NOT NULL, cancelled INTEGER NOT NULL, PRIMARY KEY (day, stop_code, route_code))""",
    "CREATE TABLE local_hold_loaded (hold_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION, one migration per transaction."""
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(found=found, supported=SCHEMA_VERSION)
    while found < SCHEMA_VERSION:
        with write_transaction(conn):
            found = schema_version(conn)  # again under the write lock: another process may have migrated
            if found < SCHEMA_VERSION:
                for statement in MIGRATIONS[found]:
                    conn.execute(statement)
                found += 1
                conn.execute(f"PRAGMA user_version = {found}")
