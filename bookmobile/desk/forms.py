"""The registration form: what staff type, normalised and checked before anything is written.

Input comes from Japanese keyboards: everything is NFKC-normalised first (full-width digits and
letters, half-width kana), then checked field by field with a message naming the field.
"""

import re
from dataclasses import dataclass
from datetime import date

from bookmobile.errors import InvalidField, RuleRefused
from sync_protocol.email_address import check_email
from sync_protocol.normalize import nfkc

_READING = re.compile(r"^[ぁ-ゖァ-ヺー・ 　]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9()\- ]{5,19}$")
_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class NewPatron:
    """A new card holder as typed at the counter (or as stored, once validated)."""

    name: str
    name_reading: str
    birth_date: date
    address: str
    phone: str
    email: str | None = None


def validate_new_patron(form: NewPatron, today: date) -> NewPatron:
    """The form normalised, or InvalidField / RuleRefused (R12) naming what to correct."""
    name = " ".join(nfkc(form.name).split())
    reading = " ".join(nfkc(form.name_reading).split())
    address = " ".join(nfkc(form.address).split())
    phone = nfkc(form.phone)
    if not 0 < len(name) <= 200:
        raise InvalidField(field_ja="氏名", field_en="name")
    if not (len(reading) <= 200 and _READING.match(reading)):
        raise InvalidField(field_ja="氏名のよみ(かな)", field_en="name reading (kana)")
    if not _EARLIEST_BIRTH <= form.birth_date <= today:
        raise InvalidField(field_ja="生年月日", field_en="birth date")
    if not 0 < len(address) <= 300:
        raise InvalidField(field_ja="住所", field_en="address")
    if not _PHONE.match(phone):
        raise InvalidField(field_ja="電話番号", field_en="phone number")
    email = checked_email(form.email) if form.email and form.email.strip() else None
    return NewPatron(name, reading, form.birth_date, address, phone, email)


def checked_email(raw: str) -> str:
    """R12: the address as it will be stored, or a plain Japanese reason why it is refused."""
    check = check_email(raw)
    if check.refusal is not None:
        raise RuleRefused(check.refusal)
    assert check.address is not None  # check_email gives an address whenever it does not refuse
    return check.address
