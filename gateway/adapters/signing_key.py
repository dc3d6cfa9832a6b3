"""The gateway's own Ed25519 key, which signs producers' scope documents.

Kept in a file outside the repository (default `var/gateway-signing.key`, set with
GATEWAY_SIGNING_KEY_FILE), created on first use with mode 0600. A key file that others may
read is refused, and the private key never leaves this module: only signatures and the
public key do (never logged, audited or shown).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyError(RuntimeError):
    """The key file is missing, unreadable, too widely readable or not an Ed25519 key."""


def public_key_id(raw: bytes) -> str:
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class SigningKey:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def _load(self, create: bool) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                if not self.path.exists():
                    if not create:
                        raise SigningKeyError(f"no signing key at {self.path}: the gateway "
                                              "creates it when it first signs a scope document")
                    self._create()
                self._key = self._read()
            return self._key

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process made it first: use theirs
        with os.fdopen(fd, "wb") as out:
            out.write(pem)

    def _read(self) -> Ed25519PrivateKey:
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningKeyError(f"{self.path} may be read by others (mode "
                                  f"{stat.S_IMODE(mode):o}): `chmod 600 {self.path}`")
        try:
            key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"{self.path} is not a PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{self.path} is not an Ed25519 key")
        return key

    def sign(self, message: bytes) -> bytes:
        return self._load(create=True).sign(message)

    def public_key(self, create: bool = True) -> Ed25519PublicKey:
        return self._load(create).public_key()

    def public_b64(self, create: bool = True) -> str:
        return base64.b64encode(raw_public(self.public_key(create))).decode()

    def key_id(self, create: bool = True) -> str:
        return public_key_id(raw_public(self.public_key(create)))
