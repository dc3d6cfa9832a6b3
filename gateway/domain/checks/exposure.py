"""Gross and net exposure across symbols, valued at reference prices, worst case."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..decision import CheckResult
from ..limits import Limits
from ..money import exact
from ..orders import Proposal, Side
from ..risk import Exposure, RiskSnapshot
from ._result import not_set, ok, refuse


def _exposures(p: Proposal, snap: RiskSnapshot) -> tuple[Exposure, Exposure]:
    """(before, after) totals: only the proposal's own symbol changes, so it is O(1) once
    the snapshot carries running totals."""
    before = snap.exposure()
    long_, short = snap.worst_long(p.symbol), snap.worst_short(p.symbol)
    if p.side is Side.BUY:
        long_ += p.quantity
    else:
        short -= p.quantity
    own = snap.contribution(p.symbol)
    mine = Exposure(unpriced=frozenset())
    ref = snap.reference_prices.get(p.symbol)
    if ref is None:
        mine = Exposure(unpriced=frozenset({p.symbol}))
    else:
        mine = Exposure(max(abs(long_), abs(short)) * ref, long_ * ref, short * ref)
    after = Exposure(before.gross - own.gross + mine.gross,
                     before.net_long - own.net_long + mine.net_long,
                     before.net_short - own.net_short + mine.net_short,
                     (before.unpriced - own.unpriced) | mine.unpriced)
    return before, after


def _check(name: str, cap: Decimal | None, measure: Callable[[Exposure], Decimal],
           p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    if cap is None:
        return not_set(name)
    before, after = _exposures(p, snap)
    if after.unpriced:
        return refuse(name, None, cap,
                      "a held symbol has no reference price: exposure unknown, refused")
    value = measure(after)
    # Over the cap (e.g. after prices moved) an order may still pass if it adds nothing.
    if value > cap and value > measure(before):
        return refuse(name, value, cap,
                      f"{name.removeprefix('max_').replace('_', ' ')} could reach {value:f} "
                      f"{limits.quote_currency}")
    return ok(name, value, cap, f"{name.removeprefix('max_').replace('_', ' ')} within the limit")


@exact
def check_max_gross_exposure(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    return _check("max_gross_exposure", limits.max_gross_exposure, lambda e: e.gross,
                  p, limits, snap)


@exact
def check_max_net_exposure(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    return _check("max_net_exposure", limits.max_net_exposure, Exposure.net, p, limits, snap)
