"""Verifying a signed scope document (what the gateway allows a producer to do).

A document verifies only against a public key you trust: the gateway's, from your admin or
from `GET /v1/scope/key` (`GatewayClient.scope_key()`) over a connection you trust. Needs
the `cryptography` package.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

KIND = "guardrail-gateway/scope-document"


class ScopeDocumentInvalid(ValueError):
    """The document does not verify; the message says why."""


def canonical(document: dict[str, Any]) -> bytes:
    """The exact bytes signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def key_id(public_key_b64: str) -> str:
    return "ed25519:" + hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:16]


def verify_scope(signed: object, public_key_b64: str) -> dict[str, Any]:
    """The document if `signed` verifies against the trusted public key (base64 of its 32
    raw bytes); raise ScopeDocumentInvalid naming what is wrong otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(signed, dict) or set(signed) != {"document", "signature"}:
        raise ScopeDocumentInvalid("not a scope document: expected exactly `document` and "
                                   "`signature`")
    document, sig = signed["document"], signed["signature"]
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise ScopeDocumentInvalid(f"`document` is not a {KIND}")
    if not isinstance(sig, dict) or sig.get("algorithm") != "Ed25519":
        raise ScopeDocumentInvalid("the signature is not an Ed25519 signature")
    try:
        raw = base64.b64decode(public_key_b64.strip(), validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise ScopeDocumentInvalid("the trusted key is not an Ed25519 public key (base64 of "
                                   "32 bytes)") from exc
    trusted = key_id(public_key_b64.strip())
    if sig.get("key_id") != trusted:
        raise ScopeDocumentInvalid(f"signed by key {sig.get('key_id')!r}, not by the trusted "
                                   f"key {trusted}")
    try:
        value = base64.b64decode(str(sig.get("value", "")), validate=True)
        key.verify(value, canonical(document))
    except (ValueError, InvalidSignature) as exc:
        raise ScopeDocumentInvalid("the signature does not match the document: it was changed "
                                   "after signing (or signed by another key)") from exc
    return document
