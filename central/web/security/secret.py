"""The web secret. It keys CSRF tokens, flash messages and the throttle's card keys, so every worker
must use the same one: it comes from configuration, never from a default in the code."""

import secrets

from central.errors import CentralError
from central.settings import Settings

MIN_SECRET_LENGTH = 32
# Values copied from examples and tutorials; a secret anyone can read is no secret.
_KNOWN_DEFAULTS = frozenset({"changethis", "change-me", "changeme", "secret", "secret-key", "dev", "test"})


class MissingSecret(CentralError):
    """The server was started without a usable secret."""

    status = 500


def _configured(settings: Settings) -> str:
    if settings.secret_key.strip():
        return settings.secret_key.strip()
    path = settings.secret_key_file or settings.data_dir / "secret_key"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


def web_secret(settings: Settings, *, required: bool) -> bytes:
    """The configured secret; a random one for this process only when none is configured and
    `required` is false (tests and one-off tools, where nothing outlives the process)."""
    value = _configured(settings)
    if not value and not required:
        return secrets.token_bytes(32)
    if len(value) < MIN_SECRET_LENGTH or value.lower() in _KNOWN_DEFAULTS:
        raise MissingSecret(
            "secret_missing",
            "秘密鍵が設定されていません。CENTRAL_SECRET_KEY(32文字以上)か、"
            "var/secret_key ファイルを用意してから起動してください。",
            f"No usable secret: set CENTRAL_SECRET_KEY ({MIN_SECRET_LENGTH}+ random characters) or write one "
            "to the file CENTRAL_SECRET_KEY_FILE (default <data_dir>/secret_key).",
        )
    return value.encode("utf-8")
