"""A van's laptop in the simulation: its node database across kills, backups, restores and rebuilds.

Each database the van ever used lives in its own folder (`db1`, `db2`, ...): a restore copies the
backup into a new folder and a rebuild (`bookmobile init --epoch N`) starts an empty one, so a
database the van left behind stays on disk as it was (to look into after a failed run).
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

import requests

from bookmobile.desk.setup import set_stop
from bookmobile.node import Node, init_node, open_node
from bookmobile.settings import Settings as NodeSettings
from bookmobile.store.connection import reading
from bookmobile.store.local_view import HoldView, ItemView, find_item, holds_at_stop
from bookmobile.sync.session import enrol, sync_once
from tests.simulation.model import Confirmed, OpLedger
from tests.simulation.seams import VanClock

CENTRAL_URL = "http://central.sim"
# Small batches, so one sync sends several and faults can fall between them.
BATCH_BYTES = 1500


def node_settings(folder: Path) -> NodeSettings:
    return NodeSettings(
        data_dir=folder, sync_backoff_s=0.0, sync_attempts=3, sync_timeout_s=10, sync_batch_bytes=BATCH_BYTES
    )


@dataclass
class Van:
    """One van: its code, its node's current database, its clock, its stop, its last backup."""

    code: str
    node_id: str
    home: Path
    clock: VanClock
    node: Node
    stop: str
    generation: int = 1
    captured: int = 0
    restored: bool = False
    backup: Path | None = None

    @property
    def folder(self) -> Path:
        return self.home / f"db{self.generation}"

    @property
    def epoch(self) -> int:
        return self.node.epoch

    def capture(self, ledger: OpLedger) -> list[Confirmed]:
        """Copy the outbox entries recorded since the last capture into the simulation's ledger."""
        with reading(self.node.conn):
            rows = self.node.conn.execute(
                "SELECT seq, op_id, sha256, type FROM outbox WHERE seq > ? ORDER BY seq", (self.captured,)
            ).fetchall()
        entries = [Confirmed(*row) for row in rows]
        for entry in entries:
            ledger.take((self.node_id, self.epoch), entry, restored=self.restored)
            self.captured = entry.seq
        return entries

    def reopen(self) -> None:
        """The laptop restarts: the node is opened again from what is on its disk."""
        self.node.close()
        self.node = open_node(node_settings(self.folder), self.clock)

    def take_backup(self) -> None:
        """A nightly copy of the database folder (taken with the node closed, like a disk image)."""
        self.node.close()
        target = self.home / "backup"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.folder, target)
        self.backup = target
        self.node = open_node(node_settings(self.folder), self.clock)

    def restore_backup(self) -> None:
        """The laptop's disk is replaced and the last backup put back (SPEC 9)."""
        assert self.backup is not None
        self.node.close()
        self.generation += 1
        shutil.copytree(self.backup, self.folder)
        self.node = open_node(node_settings(self.folder), self.clock)
        self.restored = True
        with reading(self.node.conn):
            self.captured = int(self.node.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0])

    def rebuild(self, epoch: int, code: str, http: requests.Session) -> None:
        """`bookmobile init --epoch N` on an empty database, enrolment with the admin's code, first pull."""
        self.node.close()
        self.generation += 1
        self.node = start_node(self.folder, self.node_id, self.clock, code, http, epoch=epoch)
        self.captured = 0
        self.restored = False
        self.backup = None
        set_stop(self.node, self.stop)

    def items(self) -> list[ItemView]:
        """Every copy in the van's view (the snapshot with the van's own changes on top)."""
        with reading(self.node.conn):
            barcodes = [b for (b,) in self.node.conn.execute("SELECT barcode FROM snap_item ORDER BY barcode")]
            found = [find_item(self.node.conn, b) for b in barcodes]
        return [item for item in found if item is not None]

    def cards(self) -> list[str]:
        """Card numbers the van knows (central's roster and its own registrations)."""
        with reading(self.node.conn):
            rows = self.node.conn.execute(
                "SELECT card_number FROM snap_patron UNION SELECT card_number FROM local_patron ORDER BY 1"
            ).fetchall()
        return [card for (card,) in rows]

    def holds_here(self) -> list[HoldView]:
        """Holds to hand over at the stop the van stands at, not handed over yet."""
        with reading(self.node.conn):
            return [h for h in holds_at_stop(self.node.conn, self.stop) if not h.handed_over]

    def pending(self) -> int:
        with reading(self.node.conn):
            return int(self.node.conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])


def start_node(folder: Path, node_id: str, clock: VanClock, code: str, http: requests.Session, epoch: int = 1) -> Node:
    """A fresh node database, enrolled with central and loaded with its first snapshot."""
    settings = node_settings(folder)
    node = init_node(settings, node_id, clock, epoch=epoch)
    enrol(node, settings, CENTRAL_URL, code, http=http)
    sync_once(node, settings, http=http)
    return node
