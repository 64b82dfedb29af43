"""Small facts about the node kept next to its data, so they change in the same transactions.

The node's identity lives here, not in a separate file: the epoch and the operations it stamps
can then never disagree after a crash.
"""

import sqlite3

NODE_ID = "node_id"
EPOCH = "epoch"
INITIALISED_AT = "initialised_at"
CURRENT_STOP = "current_stop"
LAST_HLC = "last_hlc"
LAST_SYNC_AT = "last_sync_at"
CLOCK_OFFSET_MS = "clock_offset_ms"


def get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def delete(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
