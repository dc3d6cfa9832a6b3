"""Proving who calls: operator bearer tokens and producers' signed requests.

Lookups are cached briefly so the intake path rarely touches the database; the cache is short
so a suspension, revocation or key rotation made by another process takes effect in seconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, select

from gateway import signing
from gateway.adapters.store.tables import principals

from .errors import Forbidden, Unauthorized
from .principals import Principal, Role, hash_token, row_to_principal

FRESHNESS_S = 30
MAX_CACHED = 10_000
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Quarantined(Forbidden):
    """The producer is suspended (by an operator or automatically); an operator reinstates."""

    code = "quarantined"


class SignatureRefused(Unauthorized):
    """A signed request failed verification. `producer` is set when the key id was known."""

    def __init__(self, message: str, reason: str, producer: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason  # bad_signature | stale_timestamp | replay | malformed
        self.producer = producer


class CredentialExpired(Unauthorized):
    """The credential's expiry has passed: refused, audited as an access refusal (it does
    not count towards quarantine: an expired key is an admin's task, not an attack)."""

    code = "credential_expired"

    def __init__(self, who: Principal) -> None:
        kind = "producers" if who.role is Role.PRODUCER else "operators"
        when = who.expires_at.isoformat() if who.expires_at else "?"
        super().__init__(f"the credential of {who.name} expired at {when}: ask an admin for a "
                         f"new one (`gateway {kind} rotate-key {who.name} --expires-in DAYS`)")
        self.principal = who


def _check_expiry(who: Principal, now: float) -> Principal:
    if who.expires_at is not None and who.expires_at.timestamp() <= now:
        raise CredentialExpired(who)
    return who


@dataclass(frozen=True, slots=True)
class SignedRequest:
    principal: Principal
    key_id: str
    nonce: str
    expires_at: datetime  # when the nonce may be forgotten


def _check_status(found: Principal) -> Principal:
    refused: Forbidden | Unauthorized
    if found.status == "suspended" and found.role is Role.PRODUCER:
        refused = Quarantined(f"producer {found.name} is suspended: an operator must reinstate "
                              f"it (`gateway producers reinstate {found.name}`)")
    elif found.status != "active":
        refused = Unauthorized(f"{found.name} is {found.status}: ask an admin for valid "
                               "credentials")
    else:
        return found
    refused.actor = found.actor
    raise refused


class Authenticator:
    def __init__(self, engine: Engine, ttl_s: float = 2.0,
                 wall: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._ttl = ttl_s
        self._wall = wall
        self._tokens: dict[str, tuple[float, Principal | None]] = {}
        self._keys: dict[str, tuple[float, tuple[Principal, Ed25519PublicKey] | None]] = {}

    def authenticate(self, token: str) -> Principal:
        """An operator's bearer token. Producers must sign instead (a bearer can be replayed)."""
        digest = hash_token(token)
        now = time.monotonic()
        hit = self._tokens.get(digest)
        if hit is None or now - hit[0] >= self._ttl:
            hit = (now, self._lookup(principals.c.token_hash == digest))
            if len(self._tokens) > MAX_CACHED:
                self._tokens.clear()
            self._tokens[digest] = hit
        found = hit[1]
        if found is None:
            raise Unauthorized("unknown or revoked token: ask an admin for valid credentials")
        if found.role is Role.PRODUCER:
            raise Unauthorized("producers sign every request (X-GW-* headers) instead of sending "
                               "their credential: use gateway.sdk or see the README")
        return _check_expiry(_check_status(found), self._wall())

    def verify(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes) -> SignedRequest:
        """Check a producer's signed request; the caller must still claim the nonce."""
        key_id = headers.get(signing.KEY_HEADER, "")
        stamp = headers.get(signing.TIMESTAMP_HEADER, "")
        nonce = headers.get(signing.NONCE_HEADER, "")
        sig = headers.get(signing.SIGNATURE_HEADER, "")
        if not (key_id and stamp.isdigit() and NONCE_RE.fullmatch(nonce) and sig):
            raise SignatureRefused(
                "signed requests need X-GW-Key, X-GW-Timestamp (Unix seconds), X-GW-Nonce "
                "(16-64 of [A-Za-z0-9_-]) and X-GW-Signature; see the README", "malformed")
        entry = self._key(key_id)
        if entry is None:
            raise SignatureRefused("unknown key id: ask an admin for valid credentials",
                                   "unknown_key")
        who, key = entry
        try:
            key.verify(bytes.fromhex(sig), signing.canonical(method, target, stamp, nonce, body))
        except (InvalidSignature, ValueError):
            hint = ("an HMAC signature: this gateway verifies Ed25519 (GW2-ED25519); upgrade the "
                    "SDK or sign as the README shows" if len(sig) == 64 else
                    "sign METHOD, path with query, timestamp, nonce and the body's SHA-256 "
                    "with Ed25519 as the README shows")
            raise SignatureRefused(f"bad signature: {hint}", "bad_signature", who.name) from None
        now = self._wall()
        if abs(now - int(stamp)) > FRESHNESS_S:
            raise SignatureRefused(f"timestamp {stamp} is more than {FRESHNESS_S} s from the "
                                   f"server's clock ({int(now)}); sync your clock",
                                   "stale_timestamp", who.name)
        _check_expiry(_check_status(who), now)
        expires = datetime.fromtimestamp(int(stamp) + FRESHNESS_S + 1, UTC)
        return SignedRequest(who, key_id, nonce, expires)

    def wall_now(self) -> datetime:
        return datetime.fromtimestamp(self._wall(), UTC)

    def _key(self, key_id: str) -> tuple[Principal, Ed25519PublicKey] | None:
        now = time.monotonic()
        hit = self._keys.get(key_id)
        if hit is None or now - hit[0] >= self._ttl:
            with self._engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
                row = conn.execute(select(principals).where(principals.c.key_id == key_id)).first()
            value = None
            if row is not None and row.public_key:
                value = (row_to_principal(row),
                         Ed25519PublicKey.from_public_bytes(bytes.fromhex(row.public_key)))
            hit = (now, value)
            if len(self._keys) > MAX_CACHED:
                self._keys.clear()  # random key ids must not grow memory without bound
            self._keys[key_id] = hit
        return hit[1]

    def _lookup(self, where: object) -> Principal | None:
        with self._engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            row = conn.execute(select(principals).where(where)).first()  # type: ignore[arg-type]
        return row_to_principal(row) if row is not None else None

    def forget(self) -> None:
        self._tokens.clear()
        self._keys.clear()
