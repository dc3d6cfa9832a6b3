"""Holdings: what a spot account should hold by the gateway's own books.

A spot venue reports balances, not positions, and an account may hold more than the gateway
ever traded. So the gateway records the venue's holdings once, when it begins to track them
(the baseline), and from then on expects baseline plus the net of its own fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .markets import Market
from .orders import Side

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill as the gateway recorded it; the fee is in the quote currency."""

    id: int
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal


@dataclass(frozen=True, slots=True)
class Baseline:
    """The venue's holdings when the gateway began tracking them; fills up to `fills_after`
    (a fills id) are already in them."""

    venue: str
    amounts: Mapping[str, Decimal]
    fills_after: int
    recorded_at: datetime


def pair(symbol: str, markets: Mapping[str, Market]) -> tuple[str, str]:
    market = markets.get(symbol)
    if market is not None:
        return market.base, market.quote
    base, _, quote = symbol.partition("/")
    return base, quote.split(":")[0]


@dataclass(frozen=True, slots=True)
class NetFlows:
    """The gateway's own net change per currency from its fills since a baseline (up to
    fill id `last_fill_id`), and how many fills touched each currency: the venue may round
    each once."""

    change: Mapping[str, Decimal] = field(default_factory=dict)
    fills: Mapping[str, int] = field(default_factory=dict)
    last_fill_id: int = 0

    def plus(self, fills: Iterable[Fill], markets: Mapping[str, Market]) -> NetFlows:
        change, count, last = dict(self.change), dict(self.fills), self.last_fill_id
        for f in fills:
            base, quote = pair(f.symbol, markets)
            notional = f.quantity * f.price
            moves = ((base, f.quantity), (quote, -notional - f.fee)) if f.side is Side.BUY \
                else ((base, -f.quantity), (quote, notional - f.fee))
            for currency, amount in moves:
                change[currency] = change.get(currency, ZERO) + amount
                count[currency] = count.get(currency, 0) + 1
            last = max(last, f.id)
        return NetFlows(change, count, last)


def units(markets: Iterable[Market]) -> dict[str, Decimal]:
    """The coarsest amount each currency is expressed in by our markets: a base currency
    moves in amount steps, a quote currency in price tick times amount step."""
    out: dict[str, Decimal] = {}
    for m in markets:
        for currency, unit in ((m.base, m.amount_step), (m.quote, m.price_tick * m.amount_step)):
            out[currency] = max(out.get(currency, ZERO), unit)
    return out
