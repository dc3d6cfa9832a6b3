"""Open-order listings parsed only where an order changed.

The executor lists every open order on each follow beat (0.6 s) and again for each halt and
reconciliation. ccxt parses each raw order anew (Binance: ~0.1 ms per order on a quiet
machine, several times that on a busy one), and converting it to a VenueOrder costs more:
with 1,000 orders resting, ~115 ms of interpreter per listing, which the event loop serving
bots, desks and halts waited through (a thread of its own still shares the interpreter lock).
Between two beats almost no order changes, so each raw order is parsed and converted once
per distinct content: it is remembered under its own text (every field the venue sent, so a
fill, a status change or anything else is a new entry), and only the orders of the latest
listing are kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gateway.ports.exchange import VenueOrder

Complete = Callable[[dict[str, Any]], Awaitable[VenueOrder]]


def _key(raw: Any, market: Any) -> str:
    # The venue's own text of the order: equal text, equal parse. The market is part of it
    # because ccxt resolves symbols through it.
    symbol = market.get("symbol") if isinstance(market, dict) else None
    return f"{symbol}|{raw!r}"


class ListingMemo:
    """Wraps one ccxt client's `parse_orders` (used by that client for listings only)."""

    def __init__(self, client: Any) -> None:
        self._parse_orders = client.parse_orders
        self._parse_order = client.parse_order
        self._parsed: dict[str, dict[str, Any]] = {}
        self._fresh: dict[str, dict[str, Any]] = {}
        self._converted: dict[str, VenueOrder] = {}
        client.parse_orders = self._listing
        client.parse_order = self._one

    def _listing(self, orders: Any, *args: Any, **kwargs: Any) -> Any:
        # Synchronous in ccxt: no other listing on this loop interleaves with this one.
        self._fresh = {}
        try:
            return self._parse_orders(orders, *args, **kwargs)
        finally:
            self._parsed, self._fresh = self._fresh, {}

    def _one(self, raw: Any, market: Any = None) -> dict[str, Any]:
        key = _key(raw, market)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = self._parse_order(raw, market)
        self._fresh[key] = parsed
        return dict(parsed)  # ccxt extends it; the remembered one stays as parsed

    async def convert(self, listed: list[dict[str, Any]], complete: Complete) -> list[VenueOrder]:
        """Each listed order as a VenueOrder, converted only if its raw text is new."""
        previous, fresh = self._converted, {}
        out = []
        for o in listed:
            info = o.get("info")
            key = None if info is None else _key(info, {"symbol": o.get("symbol")})
            vo = previous.get(key) if key is not None else None
            if vo is None:
                vo = await complete(o)
            if key is not None:
                fresh[key] = vo
            out.append(vo)
        self._converted = fresh
        return out
