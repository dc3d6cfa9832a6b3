"""The gateway's ccxt adapter pointed at a local venue, as tests and benchmarks use it."""

from __future__ import annotations

from gateway.adapters.ccxt import CcxtConfig, CcxtExchange, Secret
from tests.venue.server import API_KEY, SECRET, LocalVenue


def ccxt_config(venue: LocalVenue | str, timeout_ms: int = 1000) -> CcxtConfig:
    url = venue if isinstance(venue, str) else venue.url
    return CcxtConfig(exchange_id="binance", api_url=url, api_key=Secret(API_KEY),
                      secret=Secret(SECRET), timeout_ms=timeout_ms, rate_limit=False)


def ccxt_exchange(venue: LocalVenue, timeout_ms: int = 1000) -> CcxtExchange:
    return CcxtExchange(ccxt_config(venue, timeout_ms))
