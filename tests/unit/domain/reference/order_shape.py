from __future__ import annotations

from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import OrderType, Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "order_shape"


def check_order_shape(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    if not p.quantity.is_finite() or p.quantity <= 0:
        return CheckResult(NAME, False, p.quantity, "> 0", "quantity must be greater than zero")
    if p.type is OrderType.LIMIT:
        if p.limit_price is None:
            return CheckResult(NAME, False, None, "> 0", "a limit order needs limit_price")
        if not p.limit_price.is_finite() or p.limit_price <= 0:
            return CheckResult(
                NAME, False, p.limit_price, "> 0", "limit_price must be greater than zero"
            )
    elif p.limit_price is not None:
        return CheckResult(
            NAME, False, p.limit_price, "none", "a market order must not carry limit_price"
        )
    return CheckResult(NAME, True, p.type.value, "limit|market", "order is well formed")
