"""The child of the crash test: performs desk actions in a loop until it is killed.

After each action has returned (its commit is durable), it prints `DONE <seq> <type> <barcode>`
and flushes, so the parent knows exactly which actions were confirmed to staff.
Run as: python -m tests.bookmobile.crash_child DATA_DIR
"""

import sys
from pathlib import Path

from bookmobile.clock import SystemClock
from bookmobile.desk.forms import NewPatron
from bookmobile.desk.lending import lend
from bookmobile.desk.registration import register_patron
from bookmobile.desk.returns import take_back
from bookmobile.node import open_node
from bookmobile.store.local_view import find_item
from sync_protocol.snapshot import ItemState
from tests.bookmobile.builders import CHILD, HANAKO, TARO, make_settings

BARCODES = [f"C{n:04d}" for n in range(1, 28)]
BORROWERS = [TARO, CHILD, HANAKO]
NEWCOMER = NewPatron("新井 はな", "あらい はな", __import__("datetime").date(1990, 1, 2), "宜野湾市1-1", "098-000-0000")


def main(data_dir: Path) -> None:
    node = open_node(make_settings(data_dir), SystemClock())
    print("READY", flush=True)
    turn = 0
    while True:
        turn += 1
        barcode = BARCODES[turn % len(BARCODES)]
        if turn % 10 == 0:
            done = register_patron(node, NEWCOMER)
            print(f"DONE {done.seq} register_patron {done.card_number}", flush=True)
            continue
        item = find_item(node.conn, barcode)
        if item is not None and item.status is ItemState.ON_LOAN:
            line = take_back(node, barcode)
            print(f"DONE {line.seq} return {barcode}", flush=True)
        else:
            loan = lend(node, BORROWERS[turn % len(BORROWERS)], barcode)
            print(f"DONE {loan.seq} lend {barcode}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
