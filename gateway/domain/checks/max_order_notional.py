from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import ok, refuse

NAME = "max_order_notional"


def _bind(limits: Limits, symbol: str) -> Step:
    cap = limits.max_order_notional
    symbol_limits = limits.symbols.get(symbol)
    if symbol_limits is not None and symbol_limits.max_order_notional is not None:
        cap = min(cap, symbol_limits.max_order_notional)
    quote = limits.quote_currency

    def max_order_notional(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        # The order's price: its limit, else the reference price (pricing.order_price).
        price = p.limit_price
        if price is None:
            price = snap.reference_prices.get(p.symbol)
            if price is None:
                return refuse(NAME, None, cap, "no price to value this order: give a "
                              "limit_price")
        notional = p.quantity * price
        if notional > cap:
            return refuse(NAME, notional, cap, f"notional {notional:f} {quote} exceeds the cap "
                          f"{cap:f}; reduce the quantity")
        return ok(NAME, notional, cap, "notional within the per-order cap")

    return max_order_notional


check_max_order_notional = bound("max_order_notional", exact_money=True)(_bind)
