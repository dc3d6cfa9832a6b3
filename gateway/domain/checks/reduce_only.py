from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

NAME = "reduce_only"
NOT_SET = not_set(NAME)


def _bind(limits: Limits, symbol: str) -> Step:
    s = limits.symbols.get(symbol)
    if not limits.reduce_only and (s is None or not s.reduce_only):
        return NOT_SET
    scope = "all symbols" if limits.reduce_only else symbol

    def reduce_only(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        position = snap.position(p.symbol)
        if snap.is_reducing(p.symbol, p.side, p.quantity):
            return ok(NAME, position, "reduce only", "shrinks the position")
        return refuse(NAME, position, "reduce only",
                      f"{scope} is reduce-only: only orders that shrink the position pass "
                      "(counting pending orders on the same side)")

    return reduce_only


check_reduce_only = bound("reduce_only")(_bind)
