"""Gross and net exposure across symbols, valued at reference prices, worst case."""

from __future__ import annotations

from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal, Side
from ..risk import ZERO, Exposure, RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

GROSS, NET = "max_gross_exposure", "max_net_exposure"
GROSS_NOT_SET, NET_NOT_SET = not_set(GROSS), not_set(NET)
UNPRICED = "a held symbol has no reference price: exposure unknown, refused"
BUY = Side.BUY

# Totals after the proposal: only its own symbol changes, so this is O(1) once the snapshot
# carries running totals: own + mine, the same arithmetic (so the same digits) as a full
# sum; a symbol with no position and no reservation adds zero. `max(a, b)` is written
# `b if b > a else a`, which is what max does (equal values: the first, digits and all).


def _legs(p: Proposal, snap: RiskSnapshot) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The proposal's symbol, worst case: (long, short) before it and (long, short) after."""
    symbol = p.symbol
    pos = snap.positions.get(symbol, ZERO)
    long_, short = pos + snap.reserved_buy.get(symbol, ZERO), pos - snap.reserved_sell.get(
        symbol, ZERO)
    if p.side is BUY:
        return long_, short, long_ + p.quantity, short
    return long_, short, long_, short - p.quantity


def _totals(snap: RiskSnapshot) -> Exposure:
    totals = snap.exposure_totals
    return snap.exposure() if totals is None else totals


def _bind_gross(limits: Limits, symbol: str) -> Step:
    cap = limits.max_gross_exposure
    if cap is None:
        return GROSS_NOT_SET
    quote = limits.quote_currency

    def max_gross_exposure(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        totals = _totals(snap)
        ref = None if totals.unpriced else snap.reference_prices.get(p.symbol)
        if ref is None:  # any exposure unknown: fail closed
            return refuse(GROSS, None, cap, UNPRICED)
        long_, short, long_after, short_after = _legs(p, snap)
        if long_ or short:
            a, b = abs(long_), abs(short)
            own = (b if b > a else a) * ref
        else:
            own = ZERO
        a, b = abs(long_after), abs(short_after)
        value = totals.gross - own + (b if b > a else a) * ref
        # Over the cap (e.g. after prices moved) an order may still pass if it adds nothing.
        if value > cap and value > totals.gross:
            return refuse(GROSS, value, cap, f"gross exposure could reach {value:f} {quote}")
        return ok(GROSS, value, cap, "gross exposure within the limit")

    return max_gross_exposure


def _bind_net(limits: Limits, symbol: str) -> Step:
    cap = limits.max_net_exposure
    if cap is None:
        return NET_NOT_SET
    quote = limits.quote_currency

    def max_net_exposure(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        totals = _totals(snap)
        ref = None if totals.unpriced else snap.reference_prices.get(p.symbol)
        if ref is None:  # any exposure unknown: fail closed
            return refuse(NET, None, cap, UNPRICED)
        long_, short, long_after, short_after = _legs(p, snap)
        own_long, own_short = (long_ * ref, short * ref) if long_ or short else (ZERO, ZERO)
        a = abs(totals.net_long - own_long + long_after * ref)
        b = abs(totals.net_short - own_short + short_after * ref)
        value = b if b > a else a
        if value > cap and value > totals.net():
            return refuse(NET, value, cap, f"net exposure could reach {value:f} {quote}")
        return ok(NET, value, cap, "net exposure within the limit")

    return max_net_exposure


check_max_gross_exposure = bound("max_gross_exposure", exact_money=True)(_bind_gross)
check_max_net_exposure = bound("max_net_exposure", exact_money=True)(_bind_net)
