"""Central's configuration: one object, built once per program from CENTRAL_* variables and passed in."""

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync_protocol.policy import Calendar, CirculationPolicy


class Settings(BaseSettings):
    """Everything an operator may set. Defaults give the embedded demo (SQLite under ./var)."""

    model_config = SettingsConfigDict(env_prefix="CENTRAL_", extra="ignore")

    database_url: str = "sqlite:///var/central.db"
    data_dir: Path = Path("var")
    library_name: str = "宜野湾市民図書館"
    main_location_code: str = "MAIN"
    host: str = "127.0.0.1"
    port: int = 8000

    loan_days: int = 14
    renewal_days: int = 14
    max_renewals: int = 1
    max_loans: int = 10
    max_holds: int = 10
    hold_pickup_open_days: int = 7
    # 0 = Monday. The library is closed on Mondays unless configured otherwise.
    closed_weekdays: list[int] = Field(default_factory=lambda: [0])
    closed_dates: list[date] = Field(default_factory=list)

    def policy(self) -> CirculationPolicy:
        """The circulation policy both central and the vans evaluate (sync_protocol rules)."""
        return CirculationPolicy(
            loan_days=self.loan_days,
            renewal_days=self.renewal_days,
            max_renewals=self.max_renewals,
            max_loans=self.max_loans,
            max_holds=self.max_holds,
            hold_pickup_open_days=self.hold_pickup_open_days,
            calendar=Calendar(frozenset(self.closed_weekdays), frozenset(self.closed_dates)),
        )

    @property
    def database_kind(self) -> str:
        """ "sqlite" or "postgresql": what /healthz and the logs report."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0]
