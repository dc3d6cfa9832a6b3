from __future__ import annotations

from decimal import Decimal

from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "max_position"


@exact
def check_max_position(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    symbol_limits = limits.symbols.get(p.symbol)
    if symbol_limits is None:
        return CheckResult(NAME, False, None, None, "no position limit for this symbol")
    cap = symbol_limits.max_position
    # Worst case: every pending and open order on this side fills, then this one does too.
    after = snap.worst_case_after(p.symbol, p.side, p.quantity)
    if abs(after) > cap and not _shrinks_without_flipping(snap.position(p.symbol), after):
        return CheckResult(
            NAME,
            False,
            after,
            cap,
            f"position could reach {after:f} counting pending and open orders; the limit is "
            f"±{cap:f}: reduce the quantity or wait for open orders to finish",
        )
    return CheckResult(NAME, True, after, cap, "worst-case position within the limit")


def _shrinks_without_flipping(position: Decimal, after: Decimal) -> bool:
    """An over-limit position (e.g. after a limits change) may still be reduced, but an
    order that flips it through zero opens new risk on the other side and must fit."""
    return abs(after) < abs(position) and (after == 0 or (after > 0) == (position > 0))
