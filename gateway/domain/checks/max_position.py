from __future__ import annotations

from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import ok, refuse

NAME = "max_position"
NO_LIMIT = refuse(NAME, None, None, "no position limit for this symbol")


def _bind(limits: Limits, symbol: str) -> Step:
    symbol_limits = limits.symbols.get(symbol)
    if symbol_limits is None:
        return NO_LIMIT
    cap = symbol_limits.max_position

    def max_position(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        # Worst case: every pending and open order on this side fills, then this one too.
        after = snap.worst_case_after(p.symbol, p.side, p.quantity)
        if abs(after) > cap and not _shrinks_without_flipping(snap.position(p.symbol), after):
            return refuse(NAME, after, cap, f"position could reach {after:f} counting pending "
                          f"and open orders; the limit is ±{cap:f}: reduce the quantity or wait "
                          "for open orders to finish")
        return ok(NAME, after, cap, "worst-case position within the limit")

    return max_position


def _shrinks_without_flipping(position: Decimal, after: Decimal) -> bool:
    """An over-limit position (e.g. after a limits change) may still be reduced, but an
    order that flips it through zero opens new risk on the other side and must fit."""
    return abs(after) < abs(position) and (after == 0 or (after > 0) == (position > 0))


check_max_position = bound("max_position", exact_money=True)(_bind)
