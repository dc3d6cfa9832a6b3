from __future__ import annotations

from gateway.domain.checks._result import ok, refuse
from gateway.domain.checks.pricing import order_price
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "venue_filters"


@exact
def check_venue_filters(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    market = snap.markets.get(p.symbol)
    if market is None:
        # Fail closed: without the venue's rules we cannot know the order is acceptable.
        return refuse(NAME, p.symbol, None, "the venue's market rules for this symbol are "
                      "not loaded; retry once the venue is reachable")
    if market.amount_step <= 0 or market.price_tick <= 0:
        # A step of 0 means the venue's precision is unknown (ccxt gives it in significant
        # digits, or not at all): no order on the symbol can be checked against it.
        return refuse(NAME, p.symbol, None, "the venue publishes no tick and step sizes for "
                      "this symbol (its precision is in significant digits, or missing), so "
                      "no order on it can be checked: refused; trade it on a venue that "
                      "publishes them")
    if p.quantity % market.amount_step != 0:
        return refuse(NAME, p.quantity, market.amount_step,
                      f"quantity must be a multiple of {market.amount_step:f}")
    if p.quantity < market.min_amount:
        return refuse(NAME, p.quantity, market.min_amount,
                      f"quantity is below the venue minimum {market.min_amount:f}")
    if p.limit_price is not None and p.limit_price % market.price_tick != 0:
        return refuse(NAME, p.limit_price, market.price_tick,
                      f"limit_price must be a multiple of the tick {market.price_tick:f}")
    price = order_price(p, snap)
    if price is not None and p.quantity * price < market.min_notional:
        return refuse(NAME, p.quantity * price, market.min_notional,
                      f"notional is below the venue minimum {market.min_notional:f}")
    return ok(NAME, p.quantity, market.amount_step, "meets the venue's precision and minimums")
