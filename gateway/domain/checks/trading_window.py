from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits, TradingWindow
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

NAME = "trading_window"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NOT_SET = not_set(NAME)


def _bind(limits: Limits, symbol: str) -> Step:
    s = limits.symbols.get(symbol)
    if s is None or s.trading_window is None:
        return NOT_SET
    w = s.trading_window
    allowed = f"{','.join(w.days)} {w.start}-{w.end} UTC"

    def trading_window(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        return _inside(w, allowed, p, snap)

    return trading_window


def _inside(w: TradingWindow, allowed: str, p: Proposal, snap: RiskSnapshot) -> CheckResult:
    if snap.now is None:
        return refuse(NAME, None, None, "no clock: refused")
    day = DAYS[snap.now.weekday()]
    hhmm = snap.now.strftime("%H:%M")
    if day not in w.days or not (w.start <= hhmm < w.end):
        return refuse(NAME, f"{day} {hhmm} UTC", allowed, f"{p.symbol} trades only {allowed}")
    return ok(NAME, f"{day} {hhmm} UTC", allowed, "inside the trading window")


check_trading_window = bound("trading_window")(_bind)
