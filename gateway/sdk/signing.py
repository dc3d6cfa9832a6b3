"""The request signature (Ed25519): see gateway/signing.py, which the server shares."""

from gateway.signing import (
    KEY_HEADER,
    NONCE_HEADER,
    SCHEME,
    SIGNATURE_HEADER,
    SIGNATURE_HEX_LEN,
    SIGNED_HEADERS,
    TIMESTAMP_HEADER,
    canonical,
    private_key,
    public_key,
    sign,
    signature,
    split_credential,
)

__all__ = ["KEY_HEADER", "NONCE_HEADER", "SCHEME", "SIGNATURE_HEADER", "SIGNATURE_HEX_LEN",
           "SIGNED_HEADERS", "TIMESTAMP_HEADER", "canonical", "private_key", "public_key",
           "sign", "signature", "split_credential"]
