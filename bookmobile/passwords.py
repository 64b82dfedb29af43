"""R4/R7: temporary passwords, generated on the van and kept only as an argon2 hash.

The plain password exists in memory just long enough to be printed on the patron's receipt.
What the outbox stores and central receives is the hash; central stores it as is and verifies
with argon2, so the library never knows the password (R7: no recovery, only re-issue).
"""

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher

from sync_protocol.normalize import normalize_password

# No 0/O, 1/l/I: the patron copies the password from a thermal receipt.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_LENGTH = 10


def generate_temporary_password() -> str:
    """A random password of ~49 bits, easy to read off a receipt."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def hash_password(password: str) -> str:
    """The argon2id hash of the NFKC form (R15: full-width input equals its half-width form)."""
    return PasswordHasher().hash(normalize_password(password))


@dataclass(frozen=True)
class TemporaryPassword:
    """The password for the receipt, and the hash for the outbox."""

    plain: str
    hash: str


def new_temporary_password() -> TemporaryPassword:
    password = generate_temporary_password()
    return TemporaryPassword(password, hash_password(password))
