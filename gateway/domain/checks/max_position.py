from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot

NAME = "max_position"


def check_max_position(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    symbol_limits = limits.symbols.get(p.symbol)
    if symbol_limits is None:
        return CheckResult(NAME, False, None, None, "no position limit for this symbol")
    cap = symbol_limits.max_position
    # Worst case: every pending and open order on this side fills, then this one does too.
    after = snap.worst_case_after(p.symbol, p.side, p.quantity)
    if abs(after) > cap and abs(after) > abs(snap.position(p.symbol)):
        return CheckResult(
            NAME,
            False,
            after,
            cap,
            f"position could reach {after:f} counting pending and open orders; the limit is "
            f"±{cap:f}: reduce the quantity or wait for open orders to finish",
        )
    return CheckResult(NAME, True, after, cap, "worst-case position within the limit")
