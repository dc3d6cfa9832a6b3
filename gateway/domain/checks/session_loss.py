"""Daily loss and drawdown: once breached, only orders that reduce risk pass."""

from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

LOSS, DRAWDOWN = "daily_loss", "max_drawdown"


def _bind_loss(limits: Limits, symbol: str) -> Step:
    cap = limits.daily_loss_limit

    def daily_loss(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        pnl = snap.session_pnl
        if cap is None:
            return not_set(LOSS, pnl)
        if pnl is None:
            return refuse(LOSS, None, cap, "the session's PnL is unknown (no reference price): "
                          "refused")
        loss = -pnl
        if loss >= cap and not snap.is_reducing(p.symbol, p.side, p.quantity):
            return refuse(LOSS, loss, cap, "the daily loss limit is reached: only risk-reducing "
                          "orders pass")
        return ok(LOSS, loss, cap, "daily loss within the limit")

    return daily_loss


def _bind_drawdown(limits: Limits, symbol: str) -> Step:
    cap = limits.max_drawdown

    def drawdown(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        fall = snap.drawdown
        if cap is None:
            return not_set(DRAWDOWN, fall)
        if fall is None:
            return refuse(DRAWDOWN, None, cap, "the session's drawdown is unknown (no reference "
                          "price): refused")
        if fall >= cap and not snap.is_reducing(p.symbol, p.side, p.quantity):
            return refuse(DRAWDOWN, fall, cap, "the drawdown limit is reached: only "
                          "risk-reducing orders pass")
        return ok(DRAWDOWN, fall, cap, "drawdown within the limit")

    return drawdown


check_daily_loss = bound("daily_loss")(_bind_loss)
check_drawdown = bound("drawdown")(_bind_drawdown)
