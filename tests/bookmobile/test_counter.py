"""Counter mode driven as a barcode scanner drives it: digits and Enter, on stdin and on a terminal."""

import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from tests.bookmobile.builders import HANAKO, TARO, ready_node

_ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def node_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKMOBILE_")}
    return {**env, "BOOKMOBILE_DATA_DIR": str(data_dir), "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"}


def outbox(data_dir: Path) -> list[dict]:
    with closing(sqlite3.connect(data_dir / "bookmobile.db")) as conn:
        return [json.loads(b) for (b,) in conn.execute("SELECT body FROM outbox ORDER BY seq")]


def test_counter_mode_through_stdin_lends_per_patron_and_prints_receipts(tmp_path: Path) -> None:
    ready_node(tmp_path).close()
    scans = [TARO, "B0001", "ｂ０００２", HANAKO, "", "", HANAKO, "C0001", "12", "", TARO, "C0002"]
    result = subprocess.run(
        [sys.executable, "-m", "bookmobile", "counter"],
        input="\n".join(scans) + "\n",
        capture_output=True,
        text=True,
        env=node_env(tmp_path),
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("貸出票") == 3  # the end of input closes the last patron too
    assert "山田 太郎 さん: 2冊 貸出" in result.stdout and "佐藤 花子 さん: 1冊 貸出" in result.stdout
    assert "card_where_item_expected" in result.stderr  # HANAKO's card scanned while TARO was at the counter
    assert "barcode_malformed" in result.stderr
    assert "Traceback" not in result.stderr
    lends = [(op["payload"]["card_number"], op["payload"]["barcode"]) for op in outbox(tmp_path)]
    assert lends == [(TARO, "B0001"), (TARO, "B0002"), (HANAKO, "C0001"), (TARO, "C0002")]


def test_return_counter_mode_through_stdin(tmp_path: Path) -> None:
    ready_node(tmp_path).close()
    result = subprocess.run(
        [sys.executable, "-m", "bookmobile", "counter", "--returns"],
        input="B0005\n\nB0010\nB0005\n",
        capture_output=True,
        text=True,
        env=node_env(tmp_path),
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "取り置いてください" in result.stdout and "item_not_on_loan" in result.stderr
    assert [op["type"] for op in outbox(tmp_path)] == ["return", "return"]


class Terminal:
    """A child process on a pseudo-terminal, typed at like a USB scanner (digits, then Enter = CR)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = ""

    def scan(self, code: str) -> None:
        os.write(self.master, code.encode() + b"\r")

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"waited for {text!r}; screen so far:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    break
                self.seen += _ANSI.sub("", chunk.decode("utf-8", "replace"))
        return self.seen

    def close(self) -> int:
        os.write(self.master, b"\x04")  # Ctrl+D: end of input
        self.wait_for("カウンターモードを終了します")
        code = self.process.wait(timeout=20)
        os.close(self.master)
        return code


def test_counter_mode_on_a_pseudo_terminal_as_a_scanner_types(tmp_path: Path) -> None:
    ready_node(tmp_path).close()
    terminal = Terminal([sys.executable, "-m", "bookmobile", "counter"], node_env(tmp_path))
    try:
        terminal.wait_for("カードを読み取ってください")
        terminal.scan("B0001")
        terminal.wait_for("item_where_card_expected")
        terminal.scan(TARO)
        terminal.wait_for("山田 太郎 さん")
        terminal.scan("B0001")
        terminal.wait_for("貸出: B0001")
        terminal.scan("B0003")
        terminal.wait_for("来館者優先")
        terminal.scan("")
        screen = terminal.wait_for("貸出票")
        assert terminal.close() == 0
    finally:
        terminal.process.kill()
    assert "返却期限" in screen
    assert [op["payload"]["barcode"] for op in outbox(tmp_path)] == ["B0001", "B0003"]
