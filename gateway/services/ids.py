"""Order ids: time-ordered, unguessable, and short enough for venues' client order ids."""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_order_id(now: datetime) -> str:
    millis = int(now.timestamp() * 1000)
    stamp = "".join(_ALPHABET[(millis >> (5 * i)) & 31] for i in reversed(range(10)))
    rand = "".join(_ALPHABET[b & 31] for b in secrets.token_bytes(14))
    return f"ord_{stamp}{rand}"


def client_order_id(order_id: str) -> str:
    # Derived, not random: after a crash the gateway can always ask the venue for it.
    # Binance allows [.A-Za-z0-9:/_-]{1,36}.
    return "gg-" + order_id.removeprefix("ord_")


def created_millis(order_id: str) -> int | None:
    """When the order was proposed (Unix milliseconds), read back from its id."""
    stamp = order_id.removeprefix("ord_")[:10]
    try:
        return sum(_ALPHABET.index(ch) << (5 * i) for i, ch in enumerate(reversed(stamp)))
    except ValueError:
        return None
