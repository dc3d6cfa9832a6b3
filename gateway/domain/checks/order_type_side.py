from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import OrderType, Proposal, Side
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import ok, refuse

NAME = "order_type_and_side"


def _bind(limits: Limits, symbol: str) -> Step:
    symbol_limits = limits.symbols.get(symbol)
    types = (symbol_limits.order_types if symbol_limits and symbol_limits.order_types
             else limits.order_types)
    sides = limits.sides
    # Every passing finding, by (type, side): findings are frozen, so built once each.
    # Members of str enums format as their values, without `.value` (a slow descriptor).
    allowed = {(t, s): ok(NAME, f"{t} {s}", "|".join(types), "order type and side allowed")
               for t in OrderType for s in Side if t in types and s in sides}

    def order_type_and_side(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        found = allowed.get((p.type, p.side))
        if found is not None:
            return found
        observed = f"{p.type} {p.side}"
        if p.type not in types:
            return refuse(NAME, observed, "|".join(types),
                          f"{p.type} orders are not allowed here; send one of: "
                          f"{', '.join(types)}")
        return refuse(NAME, observed, "|".join(sides), f"{p.side} orders are not allowed now")

    return order_type_and_side


check_order_type_and_side = bound("order_type_and_side")(_bind)
