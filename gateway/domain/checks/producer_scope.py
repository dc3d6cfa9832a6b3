"""A producer's own scope, on top of the global limits: its symbols, notional and rate.

The scope belongs to the producer, not to limits.yaml, so intake binds it to the proposal's
producer with `scope_checks` and runs those checks after the global ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..money import exact
from ..orders import Proposal
from ..risk import RiskSnapshot
from .pricing import order_price

RATE_WINDOW_SECONDS = 60
SYMBOLS, NOTIONAL, RATE = "producer_symbols", "producer_max_notional", "producer_rate"


@dataclass(frozen=True, slots=True)
class ProducerScope:
    """What one producer may do. None means "only the global limits apply"."""

    symbols: frozenset[str] | None = None
    max_notional: Decimal | None = None
    rate_per_minute: int | None = None


def _symbols(scope: ProducerScope, p: Proposal) -> CheckResult:
    if scope.symbols is None or p.symbol in scope.symbols:
        return CheckResult(SYMBOLS, True, p.symbol, "in scope", "symbol is in the producer's scope")
    allowed = ", ".join(sorted(scope.symbols)) or "none"
    return CheckResult(SYMBOLS, False, p.symbol, "in scope",
                       f"{p.symbol!r} is outside this producer's scope; it may trade: {allowed}")


@exact
def _notional(scope: ProducerScope, p: Proposal, snap: RiskSnapshot, quote: str) -> CheckResult:
    cap = scope.max_notional
    if cap is None:
        return CheckResult(NOTIONAL, True, None, None, "no producer notional cap")
    price = order_price(p, snap)
    if price is None:
        return CheckResult(NOTIONAL, False, None, cap, "no price to value this order: give a "
                                                       "limit_price")
    notional = p.quantity * price
    if notional > cap:
        return CheckResult(NOTIONAL, False, notional, cap,
                           f"notional {notional:f} {quote} exceeds this producer's cap {cap:f}; "
                           "reduce the quantity")
    return CheckResult(NOTIONAL, True, notional, cap, "notional within the producer's cap")


def _rate(scope: ProducerScope, recent: int) -> CheckResult:
    rate = scope.rate_per_minute
    if rate is None:
        return CheckResult(RATE, True, recent + 1, None, "no producer rate cap")
    if recent + 1 > rate:
        return CheckResult(RATE, False, recent + 1, rate,
                           f"{recent + 1} proposals in the last {RATE_WINDOW_SECONDS} s exceed "
                           f"this producer's rate of {rate}; slow down and retry later")
    return CheckResult(RATE, True, recent + 1, rate, "within the producer's rate")


def scope_checks(
    scope: ProducerScope, recent_proposals: int
) -> tuple[Callable[[Proposal, Limits, RiskSnapshot], CheckResult], ...]:
    """Checks bound to one producer; `recent_proposals` counts its last minute's proposals."""

    def check_producer_symbols(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        return _symbols(scope, p)

    def check_producer_max_notional(p: Proposal, limits: Limits,
                                    snap: RiskSnapshot) -> CheckResult:
        return _notional(scope, p, snap, limits.quote_currency)

    def check_producer_rate(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        return _rate(scope, recent_proposals)

    return (check_producer_symbols, check_producer_max_notional, check_producer_rate)
