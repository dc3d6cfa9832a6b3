"""Webhook signatures: `X-GW-Webhook-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(key = the UTF-8 webhook secret, message = "<t>.<the exact body bytes>").

A receiver recomputes it, compares in constant time, and refuses a `t` far from its clock
(a replayed delivery); `X-GW-Webhook-Id` is the delivery id, the same on every retry.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-GW-Webhook-Signature"
ID_HEADER = "X-GW-Webhook-Id"
EVENT_HEADER = "X-GW-Webhook-Event"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance_s: float = 300) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split(",v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
