from __future__ import annotations

from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..orders import OrderType, Proposal
from ..risk import RiskSnapshot
from ._result import ok, refuse

NAME = "order_shape"
ZERO, LIMIT = Decimal(0), OrderType.LIMIT
# The passing finding depends only on the type; findings are frozen, so built once each.
WELL_FORMED = {t: ok(NAME, t.value, "limit|market", "order is well formed") for t in OrderType}


def check_order_shape(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    quantity, price = p.quantity, p.limit_price
    if not quantity.is_finite() or quantity <= ZERO:
        return refuse(NAME, quantity, "> 0", "quantity must be greater than zero")
    if p.type is LIMIT:
        if price is None:
            return refuse(NAME, None, "> 0", "a limit order needs limit_price")
        if not price.is_finite() or price <= ZERO:
            return refuse(NAME, price, "> 0", "limit_price must be greater than zero")
    elif price is not None:
        return refuse(NAME, price, "none", "a market order must not carry limit_price")
    return WELL_FORMED[p.type]
