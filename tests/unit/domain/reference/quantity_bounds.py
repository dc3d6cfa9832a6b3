from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "quantity_bounds"


def check_quantity_bounds(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    if s is None or (s.min_quantity is None and s.max_quantity is None):
        return not_set(NAME, p.quantity)
    if s.min_quantity is not None and p.quantity < s.min_quantity:
        return refuse(NAME, p.quantity, s.min_quantity,
                      f"quantity is below the minimum {s.min_quantity:f}")
    if s.max_quantity is not None and p.quantity > s.max_quantity:
        return refuse(NAME, p.quantity, s.max_quantity,
                      f"quantity is above the maximum {s.max_quantity:f}; split it only if "
                      "every part may pass on its own")
    return ok(NAME, p.quantity, s.max_quantity or s.min_quantity, "quantity within bounds")
