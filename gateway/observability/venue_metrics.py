"""The exchange port, timed: every venue call's latency and failures go to the metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from gateway.ports.exchange import Exchange, Market, Ticker, VenueOrder, VenueOrderRequest

from .metrics import Metrics

T = TypeVar("T")


class TimedExchange:
    """Wraps an Exchange; anything else it has (test hooks, faults) is passed through."""

    def __init__(self, inner: Exchange, metrics: Metrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._metrics = metrics

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)

    async def _timed(self, call: str, fn: Callable[[], Awaitable[T]]) -> T:
        started = time.perf_counter()
        try:
            return await fn()
        except Exception as exc:
            self._metrics.venue_errors.labels(call, type(exc).__name__).inc()
            raise
        finally:
            self._metrics.venue_seconds.labels(call).observe(time.perf_counter() - started)

    async def load_markets(self) -> dict[str, Market]:
        return await self._timed("load_markets", self.inner.load_markets)

    async def fetch_ticker(self, symbol: str) -> Ticker:
        return await self._timed("fetch_ticker", lambda: self.inner.fetch_ticker(symbol))

    async def create_order(self, request: VenueOrderRequest) -> VenueOrder:
        return await self._timed("create_order", lambda: self.inner.create_order(request))

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        return await self._timed("fetch_order",
                                 lambda: self.inner.fetch_order(symbol, client_order_id))

    async def cancel_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        return await self._timed("cancel_order",
                                 lambda: self.inner.cancel_order(symbol, client_order_id))

    async def fetch_open_orders(self) -> list[VenueOrder]:
        return await self._timed("fetch_open_orders", self.inner.fetch_open_orders)

    async def fetch_balance(self) -> dict[str, Decimal]:
        return await self._timed("fetch_balance", self.inner.fetch_balance)

    async def close(self) -> None:
        await self.inner.close()
