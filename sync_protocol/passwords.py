"""Temporary passwords (R4) and their hashes.

Both the desk and the van issue temporary passwords, so both use these functions: the password
is shown once, only its argon2 hash is stored, and the van sends the hash (never the password)
to central. Input is NFKC-normalised before hashing and before checking (R15: full-width input
equals its half-width form).
"""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync_protocol.normalize import normalize_password

# Letters and digits that cannot be misread on a printed receipt (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()


def generate_temporary_password() -> str:
    """A random temporary password, easy to copy from a receipt."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


def hash_password(password: str) -> str:
    """The argon2 hash of the normalised password."""
    return _hasher.hash(normalize_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` (normalised) matches `password_hash`; False for any mismatch or bad hash."""
    try:
        return _hasher.verify(password_hash, normalize_password(password))
    except (VerificationError, InvalidHashError):
        return False
