"""The request signature every producer request carries (HMAC-SHA256). Standard library only.

A producer's credential is `<key_id>.<secret>`. For each request the bot sends four headers:

    X-GW-Key:        the key id (e.g. gwk_3f2a...)
    X-GW-Timestamp:  Unix time in whole seconds; refused if more than 30 s from the server's
    X-GW-Nonce:      16 to 64 characters of [A-Za-z0-9_-], never reused (a replay is refused)
    X-GW-Signature:  lowercase hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of

        GW1-HMAC-SHA256\\n<METHOD>\\n<path[?query]>\\n<timestamp>\\n<nonce>\\n<sha256 hex of body>

METHOD is upper case; the path is exactly as sent on the request line, query string included
(no host); the body hash is of the exact bytes sent (the hash of nothing for an empty body).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SCHEME = "GW1-HMAC-SHA256"
KEY_HEADER = "x-gw-key"
TIMESTAMP_HEADER = "x-gw-timestamp"
NONCE_HEADER = "x-gw-nonce"
SIGNATURE_HEADER = "x-gw-signature"
SIGNED_HEADERS = (KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)


def split_credential(credential: str) -> tuple[str, str]:
    """`<key_id>.<secret>` as printed by `gateway producers add` -> (key_id, secret)."""
    key_id, dot, secret = credential.strip().partition(".")
    if not dot or not key_id or not secret:
        raise ValueError("a producer credential looks like `<key_id>.<secret>`: use the token "
                         "`gateway producers add` printed")
    return key_id, secret


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((SCHEME, method.upper(), path, timestamp, nonce, digest)).encode()


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str,
              body: bytes) -> str:
    message = canonical(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


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
