from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..orders import OrderType, Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import ok, refuse

NAME = "price_collar"
CENTS, BASIS_POINTS = Decimal("0.01"), Decimal(10_000)  # the int, converted once
MARKET = OrderType.MARKET


def _bind(limits: Limits, symbol: str) -> Step:
    bps, max_age = limits.price_collar_bps, limits.max_price_age_seconds
    # Older than max_age seconds as a float (below) exactly when older than this: ages are
    # whole microseconds and the cap whole seconds. The float is worked out for refusals.
    stale_after = timedelta(seconds=max_age)

    def price_collar(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        ref = snap.reference_prices.get(p.symbol)
        seen = snap.price_times.get(p.symbol)
        now = snap.now
        if ref is None or seen is None or now is None:
            return refuse(NAME, None, bps, "no reference price for this symbol: refused until "
                          "market data arrives")
        if now - seen > stale_after:
            age = (now - seen).total_seconds()
            return refuse(NAME, f"{age:.1f}s old", f"{max_age}s",
                          "the reference price is stale: refused until market data is fresh")
        price = p.limit_price
        if p.type is MARKET or price is None:
            return refuse(NAME, None, bps, "a market order cannot be bounded by the collar: "
                          "send a limit order")
        distance = abs(price - ref) / ref * BASIS_POINTS
        if distance > bps:
            return refuse(NAME, distance.quantize(CENTS), bps,
                          f"limit price is {distance:.2f} bps from the reference {ref:f}; the "
                          f"collar is {bps:f} bps")
        return ok(NAME, distance.quantize(CENTS), bps, "limit price within the collar")

    return price_collar


check_price_collar = bound("price_collar", exact_money=True)(_bind)
