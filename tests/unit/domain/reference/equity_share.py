"""Sizing by equity: order and position caps as a share of account equity, beside the
absolute caps. Both apply; the tighter wins, and the finding names both figures."""

from __future__ import annotations

from decimal import Decimal

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.checks.pricing import order_price
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.money import exact, to_text
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

ORDER, POSITION = "max_order_equity_share", "max_position_equity_share"
# Findings are frozen: the common answer (no share set) is built once, outside the exact
# context the arithmetic needs.
ORDER_NOT_SET, POSITION_NOT_SET = not_set(ORDER), not_set(POSITION)


def _tighter(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _both(share: Decimal, equity: Decimal, cap: Decimal, absolute: Decimal | None,
          quote: str) -> str:
    figure = f"{to_text(share * 100)}% of equity {to_text(equity)} = {to_text(cap)} {quote}"
    if absolute is None:
        return f"{figure} (no absolute cap)"
    tighter = "the equity share" if cap <= absolute else "the absolute cap"
    return f"{figure}; absolute cap {to_text(absolute)}; {tighter} is tighter"


def check_max_order_equity_share(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    share = _tighter(limits.max_order_equity_share, s.max_order_equity_share if s else None)
    if share is None:
        return ORDER_NOT_SET
    return _order_share(p, limits, snap, share)


@exact
def _order_share(p: Proposal, limits: Limits, snap: RiskSnapshot, share: Decimal) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    if snap.equity is None:
        return refuse(ORDER, None, share, "account equity is unknown (no account_equity or a "
                      "held symbol without a reference price): refused")
    price = order_price(p, snap)
    if price is None:
        return refuse(ORDER, None, share, "no price to value this order: give a limit_price")
    cap = max(snap.equity, Decimal(0)) * share
    absolute = _tighter(limits.max_order_notional, s.max_order_notional if s else None)
    notional = p.quantity * price
    figures = _both(share, snap.equity, cap, absolute, limits.quote_currency)
    if notional > cap:
        return refuse(ORDER, notional, cap, f"notional {notional:f} exceeds {figures}; reduce "
                      "the quantity")
    return ok(ORDER, notional, cap, f"within {figures}")


def check_max_position_equity_share(p: Proposal, limits: Limits,
                                    snap: RiskSnapshot) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    share = _tighter(limits.max_position_equity_share,
                     s.max_position_equity_share if s else None)
    if share is None:
        return POSITION_NOT_SET
    return _position_share(p, limits, snap, share)


@exact
def _position_share(p: Proposal, limits: Limits, snap: RiskSnapshot,
                    share: Decimal) -> CheckResult:
    s = limits.symbols.get(p.symbol)
    ref = snap.reference_prices.get(p.symbol)
    if snap.equity is None or ref is None:
        return refuse(POSITION, None, share, "account equity or the reference price is "
                      "unknown: refused")
    cap = max(snap.equity, Decimal(0)) * share
    value = abs(snap.worst_case_after(p.symbol, p.side, p.quantity)) * ref
    figures = _both(share, snap.equity, cap, s.max_position_notional if s else None,
                    limits.quote_currency)
    if value > cap and not snap.is_reducing(p.symbol, p.side, p.quantity):
        return refuse(POSITION, value, cap, f"worst-case position worth {value:f} exceeds "
                      f"{figures}; reduce the quantity")
    return ok(POSITION, value, cap, f"within {figures}")
