"""Central's configuration: one object, built once per program from CENTRAL_* variables and passed in."""

from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    # Language of operator and staff messages: "ja" (default) or "en".
    lang: str = "ja"

    # Patrons' internet service (central/web). The secret signs CSRF tokens and flash messages, so
    # every worker must share it: CENTRAL_SECRET_KEY, else the file CENTRAL_SECRET_KEY_FILE
    # (default <data_dir>/secret_key). `central serve` refuses to start without one.
    secret_key: str = ""
    secret_key_file: Path | None = None
    session_minutes: int = 120
    sign_in_window_minutes: int = 15
    sign_in_max_failures_per_card: int = 5
    sign_in_max_failures_per_address: int = 30

    # Staff side (docs/staff.md): how long a staff sign-in lasts (a working day), when a bookmobile
    # not heard from is flagged on the sync dashboard, and how near a pickup deadline counts as "expiring".
    staff_session_minutes: int = 600
    node_silence_alert_hours: int = 36
    hold_expiring_days: int = 2

    loan_days: int = 14
    renewal_days: int = 14
    max_renewals: int = 1
    max_loans: int = 10
    max_holds: int = 10
    hold_pickup_open_days: int = 7
    # A hold for a bookmobile stop waits on the van for this many of the stop's visits (docs/routes.md).
    hold_pickup_visits: int = 2
    # 0 = Monday. The library is closed on Mondays unless configured otherwise.
    closed_weekdays: list[int] = Field(default_factory=lambda: [0])
    closed_dates: list[date] = Field(default_factory=list)

    # Nightly job (docs/nightly.md): when the scheduler runs it (Asia/Tokyo), and how late a missed run may still start.
    nightly_time: time = time(2, 0)
    nightly_misfire_grace_hours: int = 20
    # How long a runner's lease on the job lock lasts before another scheduler may take over.
    nightly_lock_minutes: int = 60
    # R10: overdue reminders (督促) go out when a loan is this many days overdue (one per threshold).
    overdue_reminder_days: list[int] = Field(default_factory=lambda: [1, 8, 15])
    # No reading history: days after the return before a loan loses its patron (0 = the next nightly run).
    loan_history_grace_days: int = 0
    # B5: days after the day it was raised that an automatic conflict stays open for an admin's
    # review; then the nightly job confirms its default, and forgets its facts like a decided one.
    conflict_review_days: int = Field(default=30, ge=0)
    # No reading history: days the change log the vans pull from keeps an entry (one transaction's
    # entries pair a lend's copy and patron); a van whose last pull is older takes a full snapshot.
    change_log_days: int = Field(default=14, ge=0)
    # R10 e-mail. No smtp_host (the embedded default): messages are written as .eml files to mail_outbox_dir.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = 30.0
    # The no-reply sender: replies to it are not read, and every message says so.
    mail_from: str = "no-reply@library.example.jp"
    # Where .eml files go without SMTP; default: <data_dir>/outbox-mail.
    mail_outbox_dir: Path | None = None
    # Printed in every message so patrons know how to reach the library (replies are not read).
    library_phone: str = ""

    def policy(self) -> CirculationPolicy:
        """The circulation policy both central and the vans evaluate (sync_protocol rules)."""
        return CirculationPolicy(
            loan_days=self.loan_days,
            renewal_days=self.renewal_days,
            max_renewals=self.max_renewals,
            max_loans=self.max_loans,
            max_holds=self.max_holds,
            hold_pickup_open_days=self.hold_pickup_open_days,
            hold_pickup_visits=self.hold_pickup_visits,
            calendar=Calendar(frozenset(self.closed_weekdays), frozenset(self.closed_dates)),
        )

    @property
    def mail_outbox(self) -> Path:
        """The folder for .eml files when no SMTP host is configured."""
        return self.mail_outbox_dir or self.data_dir / "outbox-mail"

    @property
    def database_kind(self) -> str:
        """ "sqlite" or "postgresql": what /healthz and the logs report."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0]
