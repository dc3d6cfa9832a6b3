from __future__ import annotations

from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..money import exact
from ..orders import Proposal
from ..risk import RiskSnapshot
from .pricing import order_price

NAME = "max_order_notional"


@exact
def check_max_order_notional(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    cap: Decimal = limits.max_order_notional
    symbol_limits = limits.symbols.get(p.symbol)
    if symbol_limits is not None and symbol_limits.max_order_notional is not None:
        cap = min(cap, symbol_limits.max_order_notional)
    price = order_price(p, snap)
    if price is None:
        return CheckResult(
            NAME, False, None, cap, "no price to value this order: give a limit_price"
        )
    notional = p.quantity * price
    if notional > cap:
        return CheckResult(
            NAME,
            False,
            notional,
            cap,
            f"notional {notional:f} {limits.quote_currency} exceeds the cap {cap:f}; "
            "reduce the quantity",
        )
    return CheckResult(NAME, True, notional, cap, "notional within the per-order cap")
