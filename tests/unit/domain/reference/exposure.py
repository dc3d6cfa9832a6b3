"""Gross and net exposure across symbols, valued at reference prices, worst case."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact
from gateway.domain.orders import Proposal, Side
from gateway.domain.risk import ZERO, RiskSnapshot

UNPRICED = "a held symbol has no reference price: exposure unknown, refused"


def _legs(p: Proposal, snap: RiskSnapshot) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The proposal's symbol, worst case: (long, short) before it and (long, short) after."""
    long_, short = snap.worst_long(p.symbol), snap.worst_short(p.symbol)
    if p.side is Side.BUY:
        return long_, short, long_ + p.quantity, short
    return long_, short, long_, short - p.quantity


# Totals after the proposal: only its own symbol changes, so this is O(1) once the snapshot
# carries running totals. They are computed as before - own + mine, the same arithmetic (so
# the same digits) as a full sum; a symbol with no position and no reservation adds zero.


def _gross_after(p: Proposal, snap: RiskSnapshot, ref: Decimal) -> Decimal:
    long_, short, long_after, short_after = _legs(p, snap)
    own = max(abs(long_), abs(short)) * ref if long_ or short else ZERO
    return snap.exposure().gross - own + max(abs(long_after), abs(short_after)) * ref


def _net_after(p: Proposal, snap: RiskSnapshot, ref: Decimal) -> Decimal:
    long_, short, long_after, short_after = _legs(p, snap)
    before = snap.exposure()
    own_long, own_short = (long_ * ref, short * ref) if long_ or short else (ZERO, ZERO)
    return max(abs(before.net_long - own_long + long_after * ref),
               abs(before.net_short - own_short + short_after * ref))


def _priced(p: Proposal, snap: RiskSnapshot) -> Decimal | None:
    """The proposal's reference price, or None when any exposure is unknown (fail closed)."""
    if snap.exposure().unpriced:
        return None
    return snap.reference_prices.get(p.symbol)


def _verdict(name: str, what: str, value: Decimal, before: Decimal, cap: Decimal,
             limits: Limits) -> CheckResult:
    # Over the cap (e.g. after prices moved) an order may still pass if it adds nothing.
    if value > cap and value > before:
        return refuse(name, value, cap, f"{what} could reach {value:f} {limits.quote_currency}")
    return ok(name, value, cap, f"{what} within the limit")


@exact
def check_max_gross_exposure(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    name, cap = "max_gross_exposure", limits.max_gross_exposure
    if cap is None:
        return not_set(name)
    ref = _priced(p, snap)
    if ref is None:
        return refuse(name, None, cap, UNPRICED)
    return _verdict(name, "gross exposure", _gross_after(p, snap, ref), snap.exposure().gross,
                    cap, limits)


@exact
def check_max_net_exposure(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    name, cap = "max_net_exposure", limits.max_net_exposure
    if cap is None:
        return not_set(name)
    ref = _priced(p, snap)
    if ref is None:
        return refuse(name, None, cap, UNPRICED)
    return _verdict(name, "net exposure", _net_after(p, snap, ref), snap.exposure().net(), cap,
                    limits)
