"""Reference prices from the venue, each with the time it was observed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from gateway.domain.markets import Market, MarketData
from gateway.ports.exchange import Exchange, RateLimited, Ticker, VenueError

from .venue_health import VenueHealth

log = logging.getLogger(__name__)


class PriceBook:
    def __init__(self, venue: str | None = None) -> None:
        self._tickers: dict[str, Ticker] = {}
        self.markets: dict[str, Market] = {}
        self.venue = venue  # the connected venue's id, as limits.yaml `venues:` names it

    def view(self) -> MarketData:
        """One consistent view for a write batch: mids, when observed, the venue's rules."""
        tickers = dict(self._tickers)
        return MarketData(prices={s: (t.bid + t.ask) / 2 for s, t in tickers.items()},
                          observed_at={s: t.timestamp for s, t in tickers.items()},
                          markets=self.markets, venue=self.venue)

    def update(self, ticker: Ticker) -> None:
        self._tickers[ticker.symbol] = ticker

    def prices(self) -> dict[str, Decimal]:
        """Mid prices. Copied so a batch sees one consistent set."""
        return {s: (t.bid + t.ask) / 2 for s, t in self._tickers.items()}

    def ticker(self, symbol: str) -> Ticker | None:
        return self._tickers.get(symbol)

    def observed_at(self, symbol: str) -> datetime | None:
        t = self._tickers.get(symbol)
        return None if t is None else t.timestamp


async def refresh(book: PriceBook, exchange: Exchange, symbols: Iterable[str],
                  health: VenueHealth | None = None) -> None:
    """Fetch each symbol's ticker. With `health` (the executor's view of the venue), nothing
    is asked while the venue wants us to back off, and a rate limit here backs off all."""
    for symbol in symbols:
        if health is not None and health.backing_off:
            return  # prices go stale meanwhile, and stale prices fail closed in the checks
        try:
            book.update(await exchange.fetch_ticker(symbol))
        except VenueError as exc:
            if isinstance(exc, RateLimited) and health is not None:
                health.noted(exc)
            # A missing or stale price fails closed in the checks; log, don't crash the loop.
            log.warning("ticker %s unavailable: %s", symbol, exc)


async def run_feed(book: PriceBook, exchange: Exchange, symbols: Iterable[str],
                   interval_s: float = 1.0, health: VenueHealth | None = None) -> None:
    symbols = list(symbols)
    while True:
        await refresh(book, exchange, symbols, health)
        await asyncio.sleep(interval_s)
