"""The request signature every producer request carries (Ed25519).

Shared by the SDK (gateway.sdk.signing re-exports it) and the server, outside the SDK
package so that the server's authentication (and `gateway halt`'s direct database path)
does not import the SDK's HTTP clients.

A producer's credential is `<key_id>.<secret>`, printed once by `gateway producers add`. The
bot's Ed25519 private key is derived from it; the gateway stores only the public key, so
nobody who reads the gateway's database (or a backup of it) can sign as the bot.

    seed        = SHA-256 of the secret's UTF-8 bytes (32 bytes)
    private key = the Ed25519 key with that seed (RFC 8032; libsodium's
                  crypto_sign_seed_keypair, Go's ed25519.NewKeyFromSeed, ...)

For each request the bot sends four headers:

    X-GW-Key:        the key id (e.g. gwk_3f2a...)
    X-GW-Timestamp:  Unix time in whole seconds; refused if more than 30 s from the server's
    X-GW-Nonce:      16 to 64 characters of [A-Za-z0-9_-], never reused (a replay is refused)
    X-GW-Signature:  lowercase hex of the 64-byte Ed25519 signature of

        GW2-ED25519\\n<METHOD>\\n<path[?query]>\\n<timestamp>\\n<nonce>\\n<sha256 hex of body>

METHOD is upper case; the path is exactly as sent on the request line, query string included
(no host); the body hash is of the exact bytes sent (the hash of nothing for an empty body).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SCHEME = "GW2-ED25519"
KEY_HEADER = "x-gw-key"
TIMESTAMP_HEADER = "x-gw-timestamp"
NONCE_HEADER = "x-gw-nonce"
SIGNATURE_HEADER = "x-gw-signature"
SIGNED_HEADERS = (KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
SIGNATURE_HEX_LEN = 128


def split_credential(credential: str) -> tuple[str, str]:
    """`<key_id>.<secret>` as printed by `gateway producers add` -> (key_id, secret)."""
    key_id, dot, secret = credential.strip().partition(".")
    if not dot or not key_id or not secret:
        raise ValueError("a producer credential looks like `<key_id>.<secret>`: use the token "
                         "`gateway producers add` printed")
    return key_id, secret


@lru_cache(maxsize=64)
def private_key(secret: str) -> Ed25519PrivateKey:
    """The bot's signing key (cached: a client signs every request with the same one)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())


def public_key(secret: str) -> bytes:
    """The 32 raw bytes of the public key the gateway keeps to verify this secret's requests."""
    return private_key(secret).public_key().public_bytes(serialization.Encoding.Raw,
                                                         serialization.PublicFormat.Raw)


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((SCHEME, method.upper(), path, timestamp, nonce, digest)).encode()


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str,
              body: bytes) -> str:
    return private_key(secret).sign(canonical(method, path, timestamp, nonce, body)).hex()


def sign(credential: str, method: str, path: str, body: bytes = b"",
         now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four headers for one request.

    >>> h = sign("gwk_demo.s3cret", "GET", "/v1/orders", now=1_700_000_000, nonce="n" * 16)
    >>> sorted(h)
    ['X-GW-Key', 'X-GW-Nonce', 'X-GW-Signature', 'X-GW-Timestamp']
    """
    key_id, secret = split_credential(credential)
    ts = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_urlsafe(18)
    return {"X-GW-Key": key_id, "X-GW-Timestamp": ts, "X-GW-Nonce": nonce,
            "X-GW-Signature": signature(secret, method, path, ts, nonce, body)}
