"""What the sync and async clients share: request bodies, retry policy, answer parsing."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal
from typing import Any

import httpx

from gateway.api.schemas import OrderOut

from . import errors

Amount = Decimal | str | int
DEFAULT_URL = "http://127.0.0.1:8787"
# Where an order has been decided or has finished: what wait() waits for by default.
FINAL = frozenset({"rejected", "denied", "expired", "filled", "cancelled", "failed"})
DECIDED = FINAL | {"approved", "sending", "submitted", "partially_filled"}


def credential_from_env(credential: str | None) -> str:
    found = credential or os.environ.get("GATEWAY_PRODUCER_KEY") or os.environ.get(
        "GATEWAY_TOKEN")
    if not found:
        raise errors.Unauthorized("no credential: pass credential=... or set "
                                  "GATEWAY_PRODUCER_KEY to the token `gateway producers add` "
                                  "printed")
    return found


def amount(value: Amount | None, name: str) -> str | None:
    """Amounts go on the wire as decimal strings; floats are refused (they already lost it)."""
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"{name}: pass a Decimal, str or int, not {type(value).__name__}")
    return format(Decimal(value), "f") if not isinstance(value, str) else value


def proposal_body(symbol: str, side: str, quantity: Amount, limit_price: Amount | None,
                  type: str, idempotency_key: str | None, rationale: str | None,
                  confidence: Amount | None, venue: str | None = None) -> dict[str, Any]:
    body = {"symbol": symbol, "side": side, "type": type, "venue": venue,
            "quantity": amount(quantity, "quantity"),
            "limit_price": amount(limit_price, "limit_price"),
            "idempotency_key": idempotency_key or f"sdk-{uuid.uuid4().hex}",
            "rationale": rationale, "confidence": amount(confidence, "confidence")}
    return {k: v for k, v in body.items() if v is not None}


def check(response: httpx.Response) -> Any:
    """The JSON body of a success; the typed exception otherwise."""
    if response.is_success:
        return response.json()
    try:
        body = response.json()
    except ValueError:
        body = None
    raise errors.from_response(response.status_code, body, response.headers.get("retry-after"))


def retry_delay(exc: BaseException, attempt: int, backoff: float) -> float | None:
    """Seconds to wait before retrying a retry-safe request; None: do not retry.

    A RateLimited proposal is not retried: the same key would only replay the refusal."""
    if isinstance(exc, errors.Unavailable | httpx.TransportError):
        return float(backoff * (2 ** attempt))
    return None


def order(data: Any) -> OrderOut:
    return OrderOut.model_validate(data)
