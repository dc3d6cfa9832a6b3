from __future__ import annotations

from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..money import exact
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._result import ok, refuse

NAME = "venue_filters"
ZERO = Decimal(0)


@exact
def check_venue_filters(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    market = snap.markets.get(p.symbol)
    if market is None:
        # Fail closed: without the venue's rules we cannot know the order is acceptable.
        return refuse(NAME, p.symbol, None, "the venue's market rules for this symbol are "
                      "not loaded; retry once the venue is reachable")
    step, tick = market.amount_step, market.price_tick
    if step <= ZERO or tick <= ZERO:
        # A step of 0 means the venue's precision is unknown (ccxt gives it in significant
        # digits, or not at all): no order on the symbol can be checked against it.
        return refuse(NAME, p.symbol, None, "the venue publishes no tick and step sizes for "
                      "this symbol (its precision is in significant digits, or missing), so "
                      "no order on it can be checked: refused; trade it on a venue that "
                      "publishes them")
    quantity, price = p.quantity, p.limit_price
    if quantity % step != ZERO:
        return refuse(NAME, quantity, step, f"quantity must be a multiple of {step:f}")
    if quantity < market.min_amount:
        return refuse(NAME, quantity, market.min_amount,
                      f"quantity is below the venue minimum {market.min_amount:f}")
    if price is not None and price % tick != ZERO:
        return refuse(NAME, price, tick, f"limit_price must be a multiple of the tick {tick:f}")
    if price is None:  # valued at the reference price (pricing.order_price)
        price = snap.reference_prices.get(p.symbol)
    if price is not None and quantity * price < market.min_notional:
        return refuse(NAME, quantity * price, market.min_notional,
                      f"notional is below the venue minimum {market.min_notional:f}")
    return ok(NAME, quantity, step, "meets the venue's precision and minimums")
