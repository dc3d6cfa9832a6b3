from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "max_position_notional"


@exact
def check_max_position_notional(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    if s is None or s.max_position_notional is None:
        return not_set(NAME)
    ref = snap.reference_prices.get(p.symbol)
    if ref is None:
        return refuse(NAME, None, s.max_position_notional,
                      "no reference price to value the position: refused")
    after = snap.worst_case_after(p.symbol, p.side, p.quantity)
    value = abs(after) * ref
    if value > s.max_position_notional and not snap.is_reducing(p.symbol, p.side, p.quantity):
        return refuse(NAME, value, s.max_position_notional,
                      f"worst-case position would be worth {value:f} {limits.quote_currency}; "
                      "reduce the quantity")
    return ok(NAME, value, s.max_position_notional, "position value within the limit")
