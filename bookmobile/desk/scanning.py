"""Reading what staff scan or type: normalise it, and tell a card from an item.

Scanners and Japanese keyboards send full-width digits (１２３); they are normalised (NFKC), not
refused. Cards and item barcodes can look alike (both may be all digits), so the local view
decides: a number the roster knows is a card, a barcode the van carries is an item. That is how
"a card scanned where an item was expected" is caught before anything is recorded.
"""

import sqlite3

from bookmobile.errors import CardWhereItemExpected, ItemWhereCardExpected, MalformedBarcode, MalformedCard
from bookmobile.store.connection import reading
from bookmobile.store.local_view import barcode_carried, card_in_roster
from sync_protocol.normalize import (
    is_well_formed_barcode,
    is_well_formed_card_number,
    normalize_barcode,
    normalize_card_number,
)


def read_card(conn: sqlite3.Connection, raw: str) -> str:
    """A normalised card number; refuses an item barcode or anything not shaped like a card."""
    card = normalize_card_number(raw)
    barcode = normalize_barcode(raw)
    with reading(conn):
        if is_well_formed_card_number(card) and card_in_roster(conn, card):
            return card
        if is_well_formed_barcode(barcode) and barcode_carried(conn, barcode):
            raise ItemWhereCardExpected(barcode=barcode)
    if not is_well_formed_card_number(card):
        raise MalformedCard(raw=raw.strip())
    return card


def read_barcode(conn: sqlite3.Connection, raw: str) -> str:
    """A normalised item barcode; refuses a library card or anything not shaped like a barcode."""
    barcode = normalize_barcode(raw)
    card = normalize_card_number(raw)
    with reading(conn):
        if is_well_formed_barcode(barcode) and barcode_carried(conn, barcode):
            return barcode
        if is_well_formed_card_number(card) and card_in_roster(conn, card):
            raise CardWhereItemExpected(card=card)
    if not is_well_formed_barcode(barcode):
        raise MalformedBarcode(raw=raw.strip())
    return barcode
