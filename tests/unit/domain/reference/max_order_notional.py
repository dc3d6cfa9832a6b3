from __future__ import annotations

from decimal import Decimal

from gateway.domain.checks.pricing import order_price
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

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
