"""Finding records by what people type or scan, with the errors they should see when it fails."""

from sqlmodel import Session, select

from central.errors import InvalidInput, NotFound
from central.models import Bib, Item, Location, Patron
from sync_protocol.normalize import (
    is_well_formed_barcode,
    is_well_formed_card_number,
    normalize_barcode,
    normalize_card_number,
)


def item_by_barcode(session: Session, raw: str) -> Item:
    """The copy with this barcode (full-width digits accepted), or a clear error."""
    barcode = normalize_barcode(raw)
    if not is_well_formed_barcode(barcode):
        raise InvalidInput(
            "malformed_barcode",
            f"資料バーコード「{raw.strip()}」の形式が正しくありません。",
            f"'{raw.strip()}' is not a valid item barcode.",
        )
    item = session.exec(select(Item).where(Item.barcode == barcode)).first()
    if item is None:
        raise NotFound(
            "unknown_barcode",
            f"資料バーコード「{barcode}」は登録されていません。",
            f"No item has the barcode {barcode}.",
            barcode=barcode,
        )
    return item


def patron_by_card(session: Session, raw: str) -> Patron:
    """The patron holding this card number (full-width digits accepted), or a clear error."""
    card = normalize_card_number(raw)
    if not is_well_formed_card_number(card):
        raise InvalidInput(
            "malformed_card_number",
            f"利用者番号「{raw.strip()}」の形式が正しくありません。半角数字で入力してください。",
            f"'{raw.strip()}' is not a valid card number.",
        )
    patron = session.exec(select(Patron).where(Patron.card_number == card)).first()
    if patron is None:
        raise NotFound(
            "unknown_card",
            f"利用者番号「{card}」は登録されていません。",
            f"No patron has the card number {card}.",
            card_number=card,
        )
    return patron


def patron_by_id(session: Session, patron_id: int) -> Patron:
    patron = session.get(Patron, patron_id)
    if patron is None:
        raise NotFound("unknown_patron", "利用者が見つかりません。", "No such patron.")
    return patron


def bib_by_id(session: Session, bib_id: int) -> Bib:
    bib = session.get(Bib, bib_id)
    if bib is None:
        raise NotFound("unknown_title", "資料が見つかりません。", "No such title.")
    return bib


def location_by_code(session: Session, code: str) -> Location:
    location = session.exec(select(Location).where(Location.code == code)).first()
    if location is None:
        raise NotFound("unknown_location", f"場所「{code}」は登録されていません。", f"No location has the code {code}.")
    return location


def location_by_id(session: Session, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None:
        raise NotFound("unknown_location", "場所が見つかりません。", "No such location.")
    return location
