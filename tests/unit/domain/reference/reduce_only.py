from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "reduce_only"


def check_reduce_only(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    scope = "all symbols" if limits.reduce_only else p.symbol
    if not limits.reduce_only and (s is None or not s.reduce_only):
        return not_set(NAME)
    position = snap.position(p.symbol)
    if snap.is_reducing(p.symbol, p.side, p.quantity):
        return ok(NAME, position, "reduce only", "shrinks the position")
    return refuse(NAME, position, "reduce only",
                  f"{scope} is reduce-only: only orders that shrink the position pass "
                  "(counting pending orders on the same side)")
