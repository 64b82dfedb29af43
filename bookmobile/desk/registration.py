"""Registering patrons on the van, and the internet service in person (R1-R5, R7, R12).

Everything is validated before the write transaction starts, and a registration with an internet
application is one transaction with two operations: the patron never ends up with a card but
half an application. The temporary password is returned to the caller for the receipt only; the
outbox gets its argon2 hash (R4).
"""

from dataclasses import dataclass

from bookmobile.clock import today
from bookmobile.desk.accounts import IssuedPassword, issue_password
from bookmobile.desk.forms import NewPatron, checked_email, validate_new_patron
from bookmobile.desk.patrons import require_patron
from bookmobile.desk.recording import record
from bookmobile.desk.scanning import read_card
from bookmobile.errors import CardBlockExhausted, RuleRefused
from bookmobile.node import Node
from bookmobile.passwords import new_temporary_password
from bookmobile.store import local_changes
from bookmobile.store.connection import write_transaction
from bookmobile.store.local_view import card_blocks, card_in_roster, highest_allocated
from sync_protocol.eligibility import check_internet_service_eligibility
from sync_protocol.eligibility_dates import internet_service_eligible_from
from sync_protocol.operations import ChangeEmail, IdDocumentKind, RegisterPatron


@dataclass(frozen=True)
class Registration:
    """A new card, and the internet account's temporary password when one was applied for."""

    seq: int
    card_number: str
    name: str
    name_reading: str
    email: str | None
    internet: IssuedPassword | None


@dataclass(frozen=True)
class EmailChange:
    seq: int
    card_number: str
    name: str
    email: str | None


def register_patron(node: Node, form: NewPatron, internet_id_kind: IdDocumentKind | None = None) -> Registration:
    """Issue a card from the van's block; with `internet_id_kind`, apply for the internet service too (R2)."""
    patron = validate_new_patron(form, today(node.clock))
    password = None
    if internet_id_kind is not None:
        refusal = check_internet_service_eligibility(patron.birth_date, today(node.clock))
        if refusal is not None:
            raise RuleRefused(refusal)
        password = new_temporary_password()  # hashed before the write lock is taken: argon2 is slow on purpose
    with write_transaction(node.conn):
        node.snapshot()
        card = _next_card_number(node)
        op = record(
            node,
            RegisterPatron(
                card, patron.name, patron.name_reading, patron.birth_date, patron.address, patron.phone, patron.email
            ),
        )
        local_changes.allocate_card(node.conn, op.seq, card)
        local_changes.save_patron(
            node.conn,
            op.seq,
            card,
            name=patron.name,
            name_reading=patron.name_reading,
            internet_eligible_from=internet_service_eligible_from(patron.birth_date),
            has_internet_account=False,
        )
        issued = None
        if internet_id_kind is not None and password is not None:
            issued = issue_password(node, card, patron.name, internet_id_kind, password)
    return Registration(op.seq, card, patron.name, patron.name_reading, patron.email, issued)


def change_email(node: Node, card_raw: str, address: str | None) -> EmailChange:
    """R11/R12: record a new address (or its removal) for the patron at the counter."""
    card = read_card(node.conn, card_raw)
    email = checked_email(address) if address else None
    with write_transaction(node.conn):
        node.snapshot()
        patron = require_patron(node, card)
        op = record(node, ChangeEmail(card, email))
    return EmailChange(op.seq, card, patron.name, email)


def _next_card_number(node: Node) -> str:
    """The lowest unused number of the van's blocks, skipping any the roster already has."""
    for block in card_blocks(node.conn):
        highest = highest_allocated(node.conn, block)
        offset = 0 if highest is None else int(highest) - int(block.first) + 1
        while offset < block.size:
            candidate = block.number_at(offset)
            if not card_in_roster(node.conn, candidate):
                return candidate
            offset += 1
    raise CardBlockExhausted()
