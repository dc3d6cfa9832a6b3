from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

NAME = "max_position_notional"
NOT_SET = not_set(NAME)


def _bind(limits: Limits, symbol: str) -> Step:
    s = limits.symbols.get(symbol)
    if s is None or s.max_position_notional is None:
        return NOT_SET
    cap, quote = s.max_position_notional, limits.quote_currency

    def max_position_notional(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        ref = snap.reference_prices.get(p.symbol)
        if ref is None:
            return refuse(NAME, None, cap, "no reference price to value the position: refused")
        value = abs(snap.worst_case_after(p.symbol, p.side, p.quantity)) * ref
        if value > cap and not snap.is_reducing(p.symbol, p.side, p.quantity):
            return refuse(NAME, value, cap, f"worst-case position would be worth {value:f} "
                          f"{quote}; reduce the quantity")
        return ok(NAME, value, cap, "position value within the limit")

    return max_position_notional


check_max_position_notional = bound("max_position_notional", exact_money=True)(_bind)
