"""A venue's trading rules for one symbol: the filters its matching engine enforces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Market:
    symbol: str
    base: str
    quote: str
    price_tick: Decimal
    amount_step: Decimal
    min_amount: Decimal
    min_notional: Decimal


@dataclass(frozen=True, slots=True)
class MarketData:
    """What the venue told us: reference prices, when each was observed, and its rules."""

    prices: Mapping[str, Decimal] = field(default_factory=dict)
    observed_at: Mapping[str, datetime] = field(default_factory=dict)
    markets: Mapping[str, Market] = field(default_factory=dict)
    venue: str | None = None  # the venue these came from: the one this process trades on
