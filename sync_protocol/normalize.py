"""Input normalisation shared by the van and central.

Staff scan barcodes and patrons type card numbers and passwords on Japanese keyboards, where
full-width digits and letters are common. R15 says such input is normalised (NFKC), not refused.
"""

import re
import unicodedata

_CARD_PATTERN = re.compile(r"^[0-9]{6,14}$")
_BARCODE_PATTERN = re.compile(r"^[0-9A-Z][0-9A-Z-]{3,31}$")


def nfkc(text: str) -> str:
    """NFKC-normalise and trim: full-width ＡＢＣ１２３ becomes ABC123, half-width kana becomes full-width."""
    return unicodedata.normalize("NFKC", text).strip()


def normalize_card_number(raw: str) -> str:
    """A card number as stored: NFKC, spaces and hyphens removed (cards are printed with both)."""
    return re.sub(r"[\s\-]", "", nfkc(raw))


def is_well_formed_card_number(card: str) -> bool:
    """True when a normalised card number has the library's shape (digits only, 6-14 long)."""
    return bool(_CARD_PATTERN.match(card))


def normalize_node_id(raw: str) -> str:
    """A node id as stored at central and on the van: NFKC and trimmed, so the id typed on a
    Japanese keyboard at either end (ＢＭ１－Ａ) is the id signed into every request (BM1-A)."""
    return nfkc(raw)


def normalize_barcode(raw: str) -> str:
    """An item barcode as stored: NFKC, upper case, surrounding spaces removed."""
    return nfkc(raw).upper().replace(" ", "")


def is_well_formed_barcode(barcode: str) -> bool:
    """True when a normalised item barcode has the shape the library prints."""
    return bool(_BARCODE_PATTERN.match(barcode))


def normalize_password(raw: str) -> str:
    """A password as hashed and compared: NFKC, so full-width input equals its half-width form (R15).

    Surrounding spaces are kept: they may be part of the password, and NFKC keeps them.
    """
    return unicodedata.normalize("NFKC", raw)


def _katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def fold_for_search(text: str) -> str:
    """The one normalisation used at index time and at query time.

    NFKC (full/half width), case folding, katakana to hiragana, and whitespace squeezed, so that
    ﾈｺ, ネコ and ねこ are the same string.
    """
    folded = _katakana_to_hiragana(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())
