"""Per-device request signatures (Ed25519), with a timestamp and a nonce against replays.

Each node holds its own private key (its secret, in a file only its user can read). Central keeps
only the public half, so nothing stored at central - not even a full copy of its database - can
sign a request as a node. Every request signs its method, path, node id, timestamp, nonce and the
SHA-256 of its body; central refuses a timestamp outside its window and a nonce it has seen, so a
captured request cannot be sent again.

The timestamp is central's time as the node estimates it (node clock minus the offset measured
at the handshake), so a van whose clock is hours wrong can still sign acceptably.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

HEADER_NODE = "X-Node-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_NODE_CLOCK = "X-Node-Clock"
# How far a signed timestamp may be from central's clock, in seconds.
TIMESTAMP_WINDOW_S = 300


@dataclass(frozen=True)
class SignedHeaders:
    node_id: str
    timestamp: int
    nonce: str
    signature: str

    def as_dict(self) -> dict[str, str]:
        return {
            HEADER_NODE: self.node_id,
            HEADER_TIMESTAMP: str(self.timestamp),
            HEADER_NONCE: self.nonce,
            HEADER_SIGNATURE: self.signature,
        }


def string_to_sign(method: str, path: str, node_id: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """The exact bytes a signature covers."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, node_id, str(timestamp), nonce, digest]).encode("utf-8")


def new_private_key() -> bytes:
    """A fresh node secret (raw 32-byte Ed25519 private key)."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_of(private_key: bytes) -> str:
    """The public half, base64, as sent at enrolment and stored by central."""
    key = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def is_public_key(text: str) -> bool:
    """True when `text` is a base64 Ed25519 public key."""
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError:
        return False
    return True


def fingerprint(public_key: str) -> str:
    """A short, stable name for a public key (shown to admins)."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def sign(private_key: bytes, message: bytes) -> str:
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(message)
    return base64.b64encode(signature).decode("ascii")


def verify(public_key: str, message: bytes, signature: str) -> bool:
    """True when `signature` is the node's signature of `message`; False for anything malformed."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
