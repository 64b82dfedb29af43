"""The nightly job's refusals and failures, as central errors (the CLI prints them in one place)."""

from datetime import datetime

from central.errors import CentralError
from sync_protocol.timezone import TOKYO


class NightlyBusy(CentralError):
    """Another runner holds the job lock: this one does nothing (runs never overlap)."""

    status = 409

    @classmethod
    def held_by(cls, holder: str, until: datetime | None) -> "NightlyBusy":
        when = f"{until.astimezone(TOKYO):%Y-%m-%d %H:%M}" if until else "?"
        return cls(
            "nightly_busy",
            f"夜間処理は別のプロセス({holder})が実行中です(ロック期限 {when})。",
            f"The nightly job is running in another process ({holder}; lock lease until {when}).",
            holder=holder,
        )


class NightlyFailed(CentralError):
    """A run finished with failed steps or unsent mail; the summary says which."""

    status = 500

    @classmethod
    def steps(cls, names: list[str]) -> "NightlyFailed":
        joined = ", ".join(names)
        return cls(
            "nightly_step_failed",
            f"夜間処理の一部が失敗しました: {joined}。ログを確認してください。",
            f"Some nightly steps failed: {joined}. See the log.",
            steps=names,
        )

    @classmethod
    def mail(cls, failed: int) -> "NightlyFailed":
        return cls(
            "nightly_mail_not_sent",
            f"メール{failed}件を送信できませんでした。次回の夜間処理で再送します。",
            f"{failed} e-mail message(s) could not be sent; they are retried on the next run.",
            failed=failed,
        )
