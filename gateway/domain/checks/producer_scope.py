"""A producer's own scope, on top of the global limits: its symbols, notional, rate, venues,
jurisdiction and stop level.

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
from ..stop_loss import StopLevel
from .pricing import order_price
from .stop_loss import stop_verdict
from .venue import order_venue

RATE_WINDOW_SECONDS = 60
SYMBOLS, NOTIONAL, RATE = "producer_symbols", "producer_max_notional", "producer_rate"
VENUES, JURISDICTION, STOP = "producer_venues", "producer_jurisdiction", "producer_stop_loss"


@dataclass(frozen=True, slots=True)
class ProducerScope:
    """What one producer may do. None means "only the global limits apply"."""

    symbols: frozenset[str] | None = None
    max_notional: Decimal | None = None
    rate_per_minute: int | None = None
    venues: frozenset[str] | None = None  # None: every declared venue
    jurisdiction: str | None = None  # ISO 3166, where the producer trades from
    stop_loss_share: Decimal | None = None  # its own, tighter stop level


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


def _venues(scope: ProducerScope, p: Proposal, snap: RiskSnapshot) -> CheckResult:
    venue = order_venue(p, snap)
    if scope.venues is None or venue in scope.venues:
        return CheckResult(VENUES, True, venue, "in scope", "venue is in the producer's scope")
    allowed = ", ".join(sorted(scope.venues)) or "none"
    return CheckResult(VENUES, False, venue, "in scope",
                       f"venue {venue!r} is outside this producer's scope; it may use: {allowed}")


def _jurisdiction(scope: ProducerScope, p: Proposal, limits: Limits,
                  snap: RiskSnapshot) -> CheckResult:
    where = scope.jurisdiction
    venue = order_venue(p, snap)
    if limits.venues is None:
        return CheckResult(JURISDICTION, True, where, "any", "no venues: section; the connected "
                                                             "venue serves every jurisdiction")
    rules = limits.venues.get(venue) if venue is not None else None
    if rules is None:
        return CheckResult(JURISDICTION, False, where, None,
                           f"venue {venue!r} is not declared: it serves no jurisdiction")
    if rules.serves(where):
        return CheckResult(JURISDICTION, True, where, rules.served(),
                           f"venue {venue} serves jurisdiction {where or 'any'}")
    if where is None:
        return CheckResult(JURISDICTION, False, None, rules.served(),
                           f"venue {venue} serves only {rules.served()} and this producer has "
                           "no jurisdiction on record: an admin sets one with `gateway producers "
                           f"set-scope {p.producer} --jurisdiction XX`")
    return CheckResult(JURISDICTION, False, where, rules.served(),
                       f"venue {venue} may not be used from jurisdiction {where}; it serves "
                       f"only {rules.served()}")


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

    def check_producer_venues(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        return _venues(scope, p, snap)

    def check_producer_jurisdiction(p: Proposal, limits: Limits,
                                    snap: RiskSnapshot) -> CheckResult:
        return _jurisdiction(scope, p, limits, snap)

    level = StopLevel(share=scope.stop_loss_share)

    def check_producer_stop_loss(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        return stop_verdict(STOP, level, p, snap, "this producer's")

    return (check_producer_symbols, check_producer_max_notional, check_producer_rate,
            check_producer_venues, check_producer_jurisdiction, check_producer_stop_loss)
