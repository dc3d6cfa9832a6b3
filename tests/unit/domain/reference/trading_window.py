from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "trading_window"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def check_trading_window(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    if s is None or s.trading_window is None:
        return not_set(NAME)
    w = s.trading_window
    if snap.now is None:
        return refuse(NAME, None, None, "no clock: refused")
    day = DAYS[snap.now.weekday()]
    hhmm = snap.now.strftime("%H:%M")
    allowed = f"{','.join(w.days)} {w.start}-{w.end} UTC"
    if day not in w.days or not (w.start <= hhmm < w.end):
        return refuse(NAME, f"{day} {hhmm} UTC", allowed, f"{p.symbol} trades only {allowed}")
    return ok(NAME, f"{day} {hhmm} UTC", allowed, "inside the trading window")
