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

    @property
    def database_path(self) -> Path:
        return self.data_dir / "bookmobile.db"
