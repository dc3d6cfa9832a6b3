from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

NAME = "quantity_bounds"


def _bind(limits: Limits, symbol: str) -> Step:
    s = limits.symbols.get(symbol)
    low, high = (None, None) if s is None else (s.min_quantity, s.max_quantity)

    def quantity_bounds(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        quantity = p.quantity
        if low is None and high is None:
            return not_set(NAME, quantity)
        if low is not None and quantity < low:
            return refuse(NAME, quantity, low, f"quantity is below the minimum {low:f}")
        if high is not None and quantity > high:
            return refuse(NAME, quantity, high,
                          f"quantity is above the maximum {high:f}; split it only if "
                          "every part may pass on its own")
        return ok(NAME, quantity, high or low, "quantity within bounds")

    return quantity_bounds


check_quantity_bounds = bound("quantity_bounds")(_bind)
