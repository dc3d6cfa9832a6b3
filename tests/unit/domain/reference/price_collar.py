from __future__ import annotations

from decimal import Decimal

from gateway.domain.checks._result import ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact
from gateway.domain.orders import OrderType, Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "price_collar"
CENTS = Decimal("0.01")


@exact
def check_price_collar(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    ref = snap.reference_prices.get(p.symbol)
    seen = snap.price_times.get(p.symbol)
    if ref is None or seen is None or snap.now is None:
        return refuse(NAME, None, limits.price_collar_bps,
                      "no reference price for this symbol: refused until market data arrives")
    age = (snap.now - seen).total_seconds()
    if age > limits.max_price_age_seconds:
        return refuse(NAME, f"{age:.1f}s old", f"{limits.max_price_age_seconds}s",
                      "the reference price is stale: refused until market data is fresh")
    if p.type is OrderType.MARKET or p.limit_price is None:
        return refuse(NAME, None, limits.price_collar_bps,
                      "a market order cannot be bounded by the collar: send a limit order")
    distance = abs(p.limit_price - ref) / ref * 10_000
    if distance > limits.price_collar_bps:
        return refuse(NAME, distance.quantize(CENTS), limits.price_collar_bps,
                      f"limit price is {distance:.2f} bps from the reference {ref:f}; the collar "
                      f"is {limits.price_collar_bps:f} bps")
    return ok(NAME, distance.quantize(CENTS), limits.price_collar_bps,
              "limit price within the collar")
