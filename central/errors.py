"""The one exception root of central, and its kinds.

Every refusal a user can meet carries a stable `code` and a message in Japanese (what patrons
and staff see) and English. Each surface (web pages, JSON API, CLI, sync ingest) turns these into
its own output in exactly one place.
"""

from typing import Any

from sync_protocol.refusal import Refusal


class CentralError(Exception):
    """Base of every expected failure in central; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, code: str, ja: str, en: str, **details: Any) -> None:
        super().__init__(en)
        self.code = code
        self.ja = ja
        self.en = en
        self.details = details

    @classmethod
    def from_refusal(cls, refusal: Refusal, **details: Any) -> "CentralError":
        """Wrap a shared rule's refusal (sync_protocol) in this error kind."""
        return cls(refusal.code, refusal.ja, refusal.en, **details)

    def message(self, lang: str = "ja") -> str:
        return self.en if lang == "en" else self.ja


class NotFound(CentralError):
    """An unknown barcode, card number or record."""

    status = 404


class InvalidInput(CentralError):
    """Input that is malformed (a bad e-mail address, a birth date in the future, ...)."""

    status = 422


class RuleRefused(CentralError):
    """Well-formed input that a library rule refuses (R1, R9, limits, blocks, ...)."""

    status = 409


class AuthenticationFailed(CentralError):
    """Wrong card number or password. Never says which, nor whether the card exists."""

    status = 401
