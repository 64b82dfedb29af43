"""The node's configuration: one object, built once per program from BOOKMOBILE_* variables and passed in."""

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may set on the van's laptop."""

    model_config = SettingsConfigDict(env_prefix="BOOKMOBILE_", extra="ignore")

    # Where the node keeps its database. Created with owner-only permissions: it holds patrons' names.
    data_dir: Path = Path("var/bookmobile")
    # Staff read Japanese; English is there for the support desk and the test suite.
    lang: Literal["ja", "en"] = "ja"
    # How long an action waits for another bookmobile process holding the database before it is refused.
    busy_timeout_ms: int = 3000
    # A file or printer device receipts are also appended to (e.g. /dev/usb/lp0); None prints to the screen only.
    receipt_printer: Path | None = None

    # Central's address, e.g. https://library.example.jp (set once at enrolment; this overrides it).
    central_url: str | None = None
    # Sync: batches are cut before this many bytes (uncompressed), requests time out after
    # `sync_timeout_s`, a failed request is retried `sync_attempts` times with growing pauses, and
    # `sync --watch` tries again every `sync_watch_interval_s` until the link is back.
    sync_batch_bytes: int = 512 * 1024
    sync_timeout_s: float = 30.0
    sync_attempts: int = 5
    sync_backoff_s: float = 1.0
    sync_watch_interval_s: int = 300
    # Days an acknowledged operation keeps its content on the van (for reprints and questions at
    # the counter) before it is forgotten: no reading history on a laptop that can be stolen.
    outbox_retention_days: int = 1

    @property
    def database_path(self) -> Path:
        return self.data_dir / "bookmobile.db"

    @property
    def key_path(self) -> Path:
        """The node's private key: its identity towards central (owner-only permissions)."""
        return self.data_dir / "node_key"
