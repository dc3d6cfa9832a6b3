"""Stop-loss levels as hard rules: no order may widen a position at or past its stop level,
nor any position on a symbol the stop watch switched to reduce-only."""

from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ..stop_loss import StopLevel, breach
from ._result import not_set, ok, refuse

NAME = "stop_loss"
NOT_SET = not_set(NAME)  # findings are frozen: the common answer is built once


def stop_verdict(name: str, level: StopLevel, p: Proposal, snap: RiskSnapshot,
                 whose: str) -> CheckResult:
    """Shared by the symbol's level and a producer's own level."""
    if not level.is_set:
        return not_set(name)
    quantity = snap.position(p.symbol)
    if quantity == 0 or snap.is_reducing(p.symbol, p.side, p.quantity):
        return ok(name, quantity, "reduce only past the stop", "does not widen a position")
    found = breach(p.symbol, quantity, snap.entry_prices.get(p.symbol),
                   snap.reference_prices.get(p.symbol), level)
    if found is not None:
        return refuse(name, found.reference_price, found.trigger_price,
                      f"the {p.symbol} position ({quantity:f}) is past {whose} stop level "
                      f"({found.level}, reached at {found.trigger_price:f}); only orders that "
                      "shrink it pass")
    return ok(name, snap.reference_prices.get(p.symbol), None, "position within its stop level")


def check_stop_loss(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    if not snap.stopped and not limits.any_stop_level:
        return NOT_SET
    if p.symbol in snap.stopped:
        position = snap.position(p.symbol)
        if snap.is_reducing(p.symbol, p.side, p.quantity):
            return ok(NAME, position, "reduce only", "shrinks a stopped position")
        return refuse(NAME, position, "reduce only",
                      f"{p.symbol} is reduce-only since its position reached its stop level: "
                      "only orders that shrink it pass until an operator clears it "
                      f"(`gateway stops clear {p.symbol}`)")
    return stop_verdict(NAME, limits.stop_level(p.symbol), p, snap, "its")
