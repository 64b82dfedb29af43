"""A rule's "no", with a stable code and the words staff and patrons read.

Rules return a `Refusal` instead of raising, so each side can decide what a "no" means for it:
central raises its own error, the van prints it, the sync ingest records it on a conflict.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """Why a rule refused: a stable machine code plus Japanese and English wording."""

    code: str
    ja: str
    en: str

    def message(self, lang: str = "ja") -> str:
        """The wording in `lang` ("ja" or "en"); Japanese for anything else."""
        return self.en if lang == "en" else self.ja
