"""R4/R7: a temporary password for the receipt, and its argon2 hash for the outbox.

Generation and hashing are the shared rules of `sync_protocol.passwords` (central's desk uses the
same), so central can verify what the van hashed. The plain password exists in memory just long
enough to be printed on the patron's receipt; the outbox and central only ever get the hash.
"""

from dataclasses import dataclass

from sync_protocol.passwords import generate_temporary_password, hash_password


@dataclass(frozen=True)
class TemporaryPassword:
    """The password for the receipt, and the hash for the outbox."""

    plain: str
    hash: str


def new_temporary_password() -> TemporaryPassword:
    password = generate_temporary_password()
    return TemporaryPassword(password, hash_password(password))
