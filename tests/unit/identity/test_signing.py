"""The signature scheme, pinned by a known vector so bots in other languages can check theirs."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.sdk import signing

BODY = b'{"symbol":"BTC/USDT"}'
MESSAGE = "\n".join(["GW2-ED25519", "POST", "/v1/orders?x=1", "1700000000",
                     "abcdefghijklmnop", hashlib.sha256(BODY).hexdigest()]).encode()
# Ed25519 is deterministic: another implementation must produce exactly these.
PUBLIC_KEY = "272c48438ca6e3c96b5ac9c5e32efc968fa49960c3fcd9c748ef35865bfd065d"
SIGNATURE = ("e73ce39d09dac7bc23909bce8eda9b355ea1699d5b1730a35991d7aa637eceef"
             "ba5b08f029febc0b00ac94c5297f5fbd734ee489c59da0ce4f05f9097dd4fe07")


def test_the_key_is_derived_from_the_secret_and_only_the_public_half_is_needed() -> None:
    assert signing.public_key("s3cret").hex() == PUBLIC_KEY
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(PUBLIC_KEY))
    key.verify(bytes.fromhex(SIGNATURE), MESSAGE)
    with pytest.raises(InvalidSignature):
        key.verify(bytes.fromhex(SIGNATURE), MESSAGE.replace(b"POST", b"GET"))


def test_signature_is_ed25519_of_the_documented_canonical_string() -> None:
    assert signing.canonical("post", "/v1/orders?x=1", "1700000000", "abcdefghijklmnop",
                             BODY) == MESSAGE
    assert signing.signature("s3cret", "post", "/v1/orders?x=1", "1700000000",
                             "abcdefghijklmnop", BODY) == SIGNATURE


@pytest.mark.skipif(shutil.which("openssl") is None or shutil.which("xxd") is None,
                    reason="needs the openssl and xxd commands")
def test_the_readme_shell_recipe_signs_the_same(tmp_path: Path) -> None:
    """The README's openssl recipe, for bots not written in Python, gives the same bytes."""
    (tmp_path / "msg").write_bytes(MESSAGE)
    script = r"""
    set -eu
    SEED=$(printf '%s' "$SECRET" | sha256sum | cut -c1-64)
    printf '302e020100300506032b657004220420%s' "$SEED" | xxd -r -p > bot.der
    openssl pkey -inform DER -in bot.der -out bot.pem
    openssl pkeyutl -sign -inkey bot.pem -rawin -in msg | xxd -p | tr -d '\n'
    """
    out = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={"SECRET": "s3cret",
                         "PATH": "/usr/bin:/bin:/usr/local/bin"}, capture_output=True,
                         text=True, check=True)
    assert out.stdout == SIGNATURE


def test_sign_produces_the_four_headers_from_the_credential() -> None:
    headers = signing.sign("gwk_1.s3cret", "GET", "/v1/orders", now=1_700_000_000.9,
                           nonce="n" * 16)
    assert headers["X-GW-Key"] == "gwk_1"
    assert headers["X-GW-Timestamp"] == "1700000000"
    assert len(headers["X-GW-Signature"]) == signing.SIGNATURE_HEX_LEN
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
