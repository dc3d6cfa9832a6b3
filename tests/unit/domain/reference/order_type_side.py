from __future__ import annotations

from gateway.domain.checks._result import ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "order_type_and_side"


def check_order_type_and_side(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    symbol_limits = limits.symbols.get(p.symbol)
    types = (symbol_limits.order_types if symbol_limits and symbol_limits.order_types
             else limits.order_types)
    # Members of str enums: they compare and format as their values, without `.value` (a
    # slow descriptor on the hot path).
    observed = f"{p.type} {p.side}"
    if p.type not in types:
        return refuse(NAME, observed, "|".join(types),
                      f"{p.type} orders are not allowed here; send one of: "
                      f"{', '.join(types)}")
    if p.side not in limits.sides:
        return refuse(NAME, observed, "|".join(limits.sides),
                      f"{p.side} orders are not allowed now")
    return ok(NAME, observed, "|".join(types), "order type and side allowed")
