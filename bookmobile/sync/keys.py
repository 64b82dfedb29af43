"""The node's private key file: created once with owner-only permissions, never printed or sent."""

import os
from pathlib import Path

from bookmobile.sync.errors import NotEnrolled


def save_key(path: Path, key: bytes) -> None:
    """Write the key atomically with mode 0600 (a reader never sees half a key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key.hex().encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def load_key(path: Path) -> bytes:
    """The node's key; a missing or damaged file means the node is not enrolled."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        raise NotEnrolled() from None
