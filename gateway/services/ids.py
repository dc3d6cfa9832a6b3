"""Order ids: time-ordered, unguessable, and short enough for venues' client order ids."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime
from functools import lru_cache

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# Each random byte to the character of its low five bits, as one bytes.translate.
_RANDOM_CHARS = bytes(ord(_ALPHABET[b & 31]) for b in range(256))


@lru_cache(maxsize=4)  # a write batch shares one timestamp
def _stamp(millis: int) -> str:
    return "".join(_ALPHABET[(millis >> (5 * i)) & 31] for i in reversed(range(10)))


class _RandomChars:
    """Unguessable characters drawn from the OS generator a few kilobytes at a time: one
    system call per 292 ids instead of one per id (each call lets go of the GIL, and on a
    busy intake path getting it back is the expensive part)."""

    SIZE = 14 * 292

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chars, self._at = "", 0

    def take(self, n: int) -> str:
        with self._lock:
            if self._at + n > len(self._chars):  # each character is used once, never again
                self._chars = secrets.token_bytes(self.SIZE).translate(_RANDOM_CHARS).decode()
                self._at = 0
            self._at += n
            return self._chars[self._at - n:self._at]


_random = _RandomChars()


def new_order_id(now: datetime) -> str:
    return f"ord_{_stamp(int(now.timestamp() * 1000))}{_random.take(14)}"


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
