"""The signature scheme, pinned by a known vector so bots in other languages can check theirs."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gateway.sdk import signing


def test_signature_is_hmac_sha256_of_the_documented_canonical_string() -> None:
    body = b'{"symbol":"BTC/USDT"}'
    message = "\n".join(["GW1-HMAC-SHA256", "POST", "/v1/orders?x=1", "1700000000",
                         "abcdefghijklmnop", hashlib.sha256(body).hexdigest()]).encode()
    expected = hmac.new(b"s3cret", message, hashlib.sha256).hexdigest()
    assert signing.signature("s3cret", "post", "/v1/orders?x=1", "1700000000",
                             "abcdefghijklmnop", body) == expected


def test_sign_produces_the_four_headers_from_the_credential() -> None:
    headers = signing.sign("gwk_1.s3cret", "GET", "/v1/orders", now=1_700_000_000.9,
                           nonce="n" * 16)
    assert headers["X-GW-Key"] == "gwk_1"
    assert headers["X-GW-Timestamp"] == "1700000000"
    assert headers["X-GW-Signature"] == signing.signature(
        "s3cret", "GET", "/v1/orders", "1700000000", "n" * 16, b"")


def test_each_signing_draws_a_new_nonce() -> None:
    first = signing.sign("gwk_1.s", "GET", "/v1/orders")
    second = signing.sign("gwk_1.s", "GET", "/v1/orders")
    assert first["X-GW-Nonce"] != second["X-GW-Nonce"]


@pytest.mark.parametrize("credential", ["", "gwk_only", ".secret", "gwk_1."])
def test_malformed_credentials_are_refused_with_the_expected_shape(credential: str) -> None:
    with pytest.raises(ValueError, match="key_id"):
        signing.split_credential(credential)


def test_a_secret_containing_dots_survives_the_split() -> None:
    assert signing.split_credential("gwk_1.a.b") == ("gwk_1", "a.b")
