"""The paper venue: a deterministic, embedded exchange and the default execution venue."""

from gateway.adapters.paper.exchange import PaperExchange
from gateway.adapters.paper.faults import Faults
from gateway.adapters.paper.markets import DEFAULT_BALANCES, DEFAULT_MARKETS, DEFAULT_START_PRICES
from gateway.adapters.paper.price_feed import PriceFeed

__all__ = [
    "DEFAULT_BALANCES",
    "DEFAULT_MARKETS",
    "DEFAULT_START_PRICES",
    "Faults",
    "PaperExchange",
    "PriceFeed",
]
