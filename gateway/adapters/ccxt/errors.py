"""ccxt's exceptions translated into the port's, at the edge: nothing from ccxt crosses it.

The rule that matters: a network failure, timeout or 5xx during a *send* means the venue may
hold the order ("outcome unknown"), never "failed". Only a definite refusal fails an order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.ports.exchange import (
    DuplicateOrder,
    InsufficientFunds,
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    RateLimited,
    VenueError,
    VenueUnavailable,
)

RATE_LIMIT_BACKOFF_S = 1.0
MAX_BACKOFF_S = 3600.0  # a venue's (or a proxy's) longer demand is logged and capped


def retry_after(headers: Mapping[str, Any] | None, default: float = RATE_LIMIT_BACKOFF_S
                ) -> float:
    """Seconds the venue asked us to wait (a 429 or 418 reply's Retry-After), else the
    default. Binance bans an IP that keeps calling after a 429 (418), for longer each time."""
    for key, value in (headers or {}).items():
        if str(key).lower() == "retry-after":
            try:
                seconds = float(str(value).strip())
            except ValueError:
                return default  # an HTTP date: rare from venues; the default back-off
            return min(max(seconds, default), MAX_BACKOFF_S)
    return default


def translate(ccxt: Any, exc: Exception, *, sending: bool) -> VenueError:
    """The port's error for a ccxt exception (`ccxt` is the lazily imported module)."""
    message = _reason(exc)
    if isinstance(exc, ccxt.InsufficientFunds):
        return InsufficientFunds(message)
    if isinstance(exc, ccxt.OrderNotFound):
        return OrderNotFound(message)
    if isinstance(exc, ccxt.InvalidOrder | ccxt.BadSymbol | ccxt.BadRequest):
        if "duplicate" in message.lower():
            # It may be live at the venue already: the caller looks it up.
            return DuplicateOrder(message)
        return OrderRefused(message)
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        # 429/418 reach here before the venue acted; still, a send is resolved by lookup.
        return RateLimited(message, retry_after=RATE_LIMIT_BACKOFF_S)
    if isinstance(exc, ccxt.AuthenticationError | ccxt.PermissionDenied):
        # Credentials are wrong or lack rights: nothing was placed; an operator must act.
        return VenueUnavailable(f"the venue refused our credentials ({message}); check "
                                "GATEWAY_CCXT_API_KEY / GATEWAY_CCXT_SECRET")
    if isinstance(exc, ccxt.OperationFailed):
        # Network errors, timeouts, 5xx and "execution status unknown" replies.
        if sending:
            return OutcomeUnknown(f"send outcome unknown: {message}")
        return VenueUnavailable(message)
    if isinstance(exc, ccxt.ExchangeError):
        # The venue answered with an error of its own (or ccxt refused before sending): a
        # definite answer, not a lost one. Unmapped codes land here on test hosts too.
        return OrderRefused(message) if sending else VenueError(message)
    if sending:
        # An error we cannot classify after a send: the order may exist. Never "failed".
        return OutcomeUnknown(f"send outcome unknown: {message}")
    return VenueError(message)


def _reason(exc: Exception) -> str:
    # ccxt messages carry the venue's reply; they never contain our credentials.
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
