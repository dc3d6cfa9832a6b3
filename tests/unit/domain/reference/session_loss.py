"""Daily loss and drawdown: once breached, only orders that reduce risk pass."""

from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot


def check_daily_loss(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    name = "daily_loss"
    if limits.daily_loss_limit is None:
        return not_set(name, snap.session_pnl)
    if snap.session_pnl is None:
        return refuse(name, None, limits.daily_loss_limit,
                      "the session's PnL is unknown (no reference price): refused")
    loss = -snap.session_pnl
    if loss >= limits.daily_loss_limit and not snap.is_reducing(p.symbol, p.side, p.quantity):
        return refuse(name, loss, limits.daily_loss_limit,
                      "the daily loss limit is reached: only risk-reducing orders pass")
    return ok(name, loss, limits.daily_loss_limit, "daily loss within the limit")


def check_drawdown(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    name = "max_drawdown"
    if limits.max_drawdown is None:
        return not_set(name, snap.drawdown)
    if snap.drawdown is None:
        return refuse(name, None, limits.max_drawdown,
                      "the session's drawdown is unknown (no reference price): refused")
    if snap.drawdown >= limits.max_drawdown and not snap.is_reducing(
            p.symbol, p.side, p.quantity):
        return refuse(name, snap.drawdown, limits.max_drawdown,
                      "the drawdown limit is reached: only risk-reducing orders pass")
    return ok(name, snap.drawdown, limits.max_drawdown, "drawdown within the limit")
