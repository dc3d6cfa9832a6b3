"""Scope documents: signed with the gateway's Ed25519 key, verified only against a trusted
public key; any change after signing is caught, and the key file stays private."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.signing_key import SigningKey, SigningKeyError
from gateway.sdk.scope import KIND, ScopeDocumentInvalid, verify_scope
from gateway.services import scope_docs

DOC: dict[str, Any] = {
    "kind": KIND, "format": 1, "producer": "momentum-bot", "principal": "Alice",
    "jurisdiction": "GB", "venues": ["paper"], "symbols": ["BTC/USDT", "ETH/USDT"],
    "scope_version": 3, "issued_at": "2026-11-28T12:00:00+00:00",
    "credential": {"key_id": "gwk_0123", "fingerprint": "sha256:ab12",
                   "issued_at": "2026-11-01T00:00:00+00:00",
                   "expires_at": "2027-01-01T00:00:00+00:00"},
    "limits": {"version": "abc123", "max_order_notional": "25000",
               "symbols": {"BTC/USDT": {"max_position": "0.5"}}},
}


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return SigningKey(tmp_path / "keys" / "gateway.key")


def test_a_signed_document_verifies_against_the_gateways_key(key: SigningKey) -> None:
    signed = scope_docs.sign(DOC, key)
    again = json.loads(json.dumps(signed))  # as written to a file and read back

    assert verify_scope(again, key.public_b64()) == DOC
    assert signed["signature"]["key_id"] == key.key_id()


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda d: d["document"].update(scope_version=4), id="scope-version"),
    pytest.param(lambda d: d["document"]["symbols"].append("DOGE/USDT"), id="added-symbol"),
    pytest.param(lambda d: d["document"]["limits"].update(max_order_notional="250000"),
                 id="raised-limit"),
    pytest.param(lambda d: d["document"]["credential"].update(expires_at=None), id="expiry"),
    pytest.param(lambda d: d["document"].update(jurisdiction="US"), id="jurisdiction"),
    pytest.param(lambda d: d["signature"].update(value=d["signature"]["value"][::-1]),
                 id="signature-bytes"),
])
def test_any_change_after_signing_is_caught(key: SigningKey, tamper: Any) -> None:
    signed = copy.deepcopy(scope_docs.sign(DOC, key))
    tamper(signed)

    with pytest.raises(ScopeDocumentInvalid, match=r"changed after signing|not base64"):
        verify_scope(signed, key.public_b64())


def test_a_document_signed_by_another_key_is_refused(key: SigningKey, tmp_path: Path) -> None:
    other = SigningKey(tmp_path / "other.key")
    forged = scope_docs.sign(DOC, other)

    with pytest.raises(ScopeDocumentInvalid, match="not by the trusted key"):
        verify_scope(forged, key.public_b64())
    # Claiming the trusted key's id does not help: the signature itself must match.
    forged["signature"]["key_id"] = key.key_id()
    with pytest.raises(ScopeDocumentInvalid, match="changed after signing"):
        verify_scope(forged, key.public_b64())


@pytest.mark.parametrize("bad", [
    None, [], {"document": DOC}, {"document": {**DOC, "kind": "other"}, "signature": {}},
    {"document": DOC, "signature": {"algorithm": "HS256", "value": ""}},
])
def test_what_is_not_a_scope_document_is_refused(key: SigningKey, bad: object) -> None:
    with pytest.raises(ScopeDocumentInvalid):
        verify_scope(bad, key.public_b64())


def test_the_key_is_created_on_first_use_readable_by_its_owner_only(key: SigningKey) -> None:
    assert not key.path.exists()

    key.sign(b"x")

    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.path.read_bytes()
    # The same key next time (another process reading the file).
    assert SigningKey(key.path).public_b64() == key.public_b64()


def test_a_key_file_others_may_read_is_refused(key: SigningKey) -> None:
    key.sign(b"x")
    key.path.chmod(0o644)

    with pytest.raises(SigningKeyError, match="chmod 600"):
        SigningKey(key.path).sign(b"x")


def test_verifying_never_creates_a_key(key: SigningKey) -> None:
    with pytest.raises(SigningKeyError, match="no signing key"):
        key.public_b64(create=False)
    assert not key.path.exists()
