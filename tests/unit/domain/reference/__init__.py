"""The checks and the policy as they were before the checks were bound ahead of time
(commit 0676b7e), kept verbatim as the oracle for test_bound_policy.py. Checks whose code
did not change then (stop_loss) are imported from the gateway."""

from __future__ import annotations

from collections.abc import Callable
from decimal import localcontext

from gateway.domain.checks.stop_loss import check_stop_loss
from gateway.domain.decision import CheckResult, Decision
from gateway.domain.limits import Limits
from gateway.domain.money import EXACT, EXACT_BODY
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

from .duplicate import check_duplicate
from .equity_share import check_max_order_equity_share, check_max_position_equity_share
from .exposure import check_max_gross_exposure, check_max_net_exposure
from .max_order_notional import check_max_order_notional
from .max_position import check_max_position
from .open_orders import check_max_open_orders, check_max_open_orders_per_producer
from .order_shape import check_order_shape
from .order_type_side import check_order_type_and_side
from .position_notional import check_max_position_notional
from .price_collar import check_price_collar
from .quantity_bounds import check_quantity_bounds
from .reduce_only import check_reduce_only
from .session_loss import check_daily_loss, check_drawdown
from .symbol_allowlist import check_symbol_allowlist
from .throttle import check_throttle
from .trading_window import check_trading_window
from .venue import check_venue_connected, check_venue_declared, check_venue_symbols
from .venue_filters import check_venue_filters

Check = Callable[[Proposal, Limits, RiskSnapshot], CheckResult]

# The order people read them in: what the order is, when and where, its size, the book.
ALL_CHECKS: tuple[Check, ...] = (
    check_symbol_allowlist,
    check_venue_declared,
    check_venue_symbols,
    check_venue_connected,
    check_order_shape,
    check_order_type_and_side,
    check_trading_window,
    check_quantity_bounds,
    check_venue_filters,
    check_price_collar,
    check_max_order_notional,
    check_max_position,
    check_max_position_notional,
    check_max_order_equity_share,
    check_max_position_equity_share,
    check_max_gross_exposure,
    check_max_net_exposure,
    check_max_open_orders,
    check_max_open_orders_per_producer,
    check_throttle,
    check_duplicate,
    check_reduce_only,
    check_stop_loss,
    check_daily_loss,
    check_drawdown,
)



def evaluate(proposal: Proposal, limits: Limits, snapshot: RiskSnapshot) -> Decision:
    with localcontext(EXACT):
        try:
            results = [getattr(c, EXACT_BODY, c)(proposal, limits, snapshot) for c in ALL_CHECKS]
        except (ArithmeticError, ValueError):
            results = [_run(c, proposal, limits, snapshot) for c in ALL_CHECKS]
    return Decision(tuple(results))


def _run(check: Check, p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    try:
        return getattr(check, EXACT_BODY, check)(p, limits, snap)
    except (ArithmeticError, ValueError) as exc:
        name = check.__name__.removeprefix("check_")
        return CheckResult(name, False, None, None, f"could not be evaluated ({exc}); refused")
