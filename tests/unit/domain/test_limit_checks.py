"""Each of the issue-3 limits at its boundary: exactly at the limit passes, one step over
refuses, and the finding names observed value and limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain.checks import (
    check_daily_loss,
    check_drawdown,
    check_duplicate,
    check_max_gross_exposure,
    check_max_net_exposure,
    check_max_open_orders,
    check_max_open_orders_per_producer,
    check_max_position_notional,
    check_order_type_and_side,
    check_price_collar,
    check_quantity_bounds,
    check_reduce_only,
    check_throttle,
    check_trading_window,
    check_venue_filters,
)
from gateway.domain.limits import Limits
from gateway.domain.markets import Market
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.domain.risk import RecentOrder, RiskSnapshot

D = Decimal
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday
BTC = Market("BTC/USDT", "BTC", "USDT", D("0.01"), D("0.0001"), D("0.0001"), D("5"))


def limits(**extra: Any) -> Limits:
    symbol = extra.pop("btc", {})
    return Limits.model_validate({
        "max_order_notional": "1000000",
        "symbols": {"BTC/USDT": {"max_position": "10", **symbol},
                    "ETH/USDT": {"max_position": "100"}},
        **extra,
    })


def snap(**changes: Any) -> RiskSnapshot:
    base = RiskSnapshot(reference_prices={"BTC/USDT": D("30000"), "ETH/USDT": D("2000")},
                        price_times={"BTC/USDT": NOW, "ETH/USDT": NOW},
                        markets={"BTC/USDT": BTC}, now=NOW)
    return replace(base, **changes)


def prop(qty: str = "1", price: str | None = "30000", side: Side = Side.BUY,
         symbol: str = "BTC/USDT", key: str | None = None) -> Proposal:
    return Proposal("bot", symbol, side, OrderType.LIMIT if price else OrderType.MARKET, D(qty),
                    D(price) if price else None, idempotency_key=key)


@pytest.mark.parametrize("price,passed", [
    ("30300", True), ("30300.01", False), ("29700", True), ("29699.99", False)])
def test_price_collar_is_inclusive_at_exactly_the_collar(price: str, passed: bool) -> None:
    result = check_price_collar(prop(price=price), limits(price_collar_bps="100"), snap())
    assert result.passed is passed
    assert result.limit == D("100")


def test_price_collar_refuses_a_stale_reference_price_one_second_past_the_age() -> None:
    lim = limits(max_price_age_seconds=10)
    at_limit = snap(now=NOW + timedelta(seconds=10))
    over = snap(now=NOW + timedelta(seconds=11))
    assert check_price_collar(prop(), lim, at_limit).passed
    result = check_price_collar(prop(), lim, over)
    assert not result.passed and "stale" in result.message


@pytest.mark.parametrize("snapshot", [
    snap(reference_prices={}), snap(price_times={}), snap(now=None)])
def test_price_collar_fails_closed_without_a_reference_price(snapshot: RiskSnapshot) -> None:
    assert not check_price_collar(prop(), limits(), snapshot).passed


def test_price_collar_refuses_market_orders_it_cannot_bound() -> None:
    result = check_price_collar(prop(price=None), limits(order_types=["limit", "market"]), snap())
    assert not result.passed and "market order" in result.message


@pytest.mark.parametrize("qty,price,passed,why", [
    ("0.0002", "30000", True, ""),
    ("0.00015", "30000", False, "multiple"),
    ("1", "30000.005", False, "tick"),
    ("0.0002", "30000.01", True, ""),
])
def test_venue_filters_enforce_step_tick_and_minimums(qty: str, price: str, passed: bool,
                                                      why: str) -> None:
    result = check_venue_filters(prop(qty=qty, price=price), limits(), snap())
    assert result.passed is passed
    assert why in result.message


@pytest.mark.parametrize("field", ["price_tick", "amount_step"])
def test_venue_filters_refuse_clearly_when_the_venue_gives_no_step(field: str) -> None:
    """A venue whose precision is in significant digits (or missing) has no step: the
    order is refused saying so, not 'could not be evaluated' from a division by zero."""
    unknown = replace(BTC, **{field: D(0)})
    result = check_venue_filters(prop(qty="0.0002"), limits(), snap(markets={
        "BTC/USDT": unknown}))
    assert not result.passed
    assert "no tick and step sizes" in result.message


def test_venue_filters_refuse_an_order_below_the_minimum_notional() -> None:
    result = check_venue_filters(prop(qty="0.0001", price="49999.99"),
                                 limits(), snap(markets={"BTC/USDT": replace(
                                     BTC, min_notional=D("5"))}))
    assert not result.passed and result.limit == D("5")


def test_venue_filters_fail_closed_without_market_rules() -> None:
    assert not check_venue_filters(prop(), limits(), snap(markets={})).passed


@pytest.mark.parametrize("qty,passed", [("0.5", True), ("0.4999", False), ("2", True),
                                        ("2.0001", False)])
def test_quantity_bounds_at_both_ends(qty: str, passed: bool) -> None:
    lim = limits(btc={"min_quantity": "0.5", "max_quantity": "2"})
    assert check_quantity_bounds(prop(qty=qty), lim, snap()).passed is passed


def test_order_types_and_sides_are_allowlists() -> None:
    assert not check_order_type_and_side(prop(price=None), limits(), snap()).passed
    assert check_order_type_and_side(prop(), limits(), snap()).passed
    sell_only = limits(sides=["sell"])
    assert not check_order_type_and_side(prop(), sell_only, snap()).passed
    assert check_order_type_and_side(prop(side=Side.SELL), sell_only, snap()).passed


@pytest.mark.parametrize("qty,position,passed", [
    ("10", "0", True), ("10.0001", "0", False), ("1", "9", True), ("1", "9.0001", False)])
def test_max_position_notional_counts_the_worst_case(qty: str, position: str,
                                                     passed: bool) -> None:
    lim = limits(btc={"max_position": "1000", "max_position_notional": "300000"})
    s = snap(positions={"BTC/USDT": D(position)})
    assert check_max_position_notional(prop(qty=qty), lim, s).passed is passed


def test_gross_exposure_sums_every_symbol_and_counts_pending_orders() -> None:
    lim = limits(max_gross_exposure="100000")
    s = snap(positions={"ETH/USDT": D("-20")}, reserved_buy={"BTC/USDT": D("1")})
    # 20 ETH short (40,000) + 1 BTC pending (30,000) + this 1 BTC (30,000) = 100,000
    assert check_max_gross_exposure(prop(qty="1"), lim, s).passed
    result = check_max_gross_exposure(prop(qty="1.0001"), lim, s)
    assert not result.passed and result.observed == D("100003")


def test_net_exposure_over_the_cap_still_admits_an_order_that_adds_nothing() -> None:
    lim = limits(max_net_exposure="10000")
    s = snap(positions={"ETH/USDT": D("-20")})  # net short 40,000 already
    assert check_max_net_exposure(prop(qty="1"), lim, s).passed  # a buy offsets it
    result = check_max_net_exposure(prop(qty="1", side=Side.SELL), lim, s)
    assert not result.passed and result.observed == D("70000")


def test_net_exposure_refuses_one_step_over_on_the_long_side() -> None:
    lim = limits(max_net_exposure="30000")
    assert check_max_net_exposure(prop(qty="1"), lim, snap()).passed
    assert not check_max_net_exposure(prop(qty="1.0001"), lim, snap()).passed


def test_exposure_fails_closed_when_a_held_symbol_has_no_price() -> None:
    lim = limits(max_gross_exposure="1000000")
    s = snap(positions={"SOL/USDT": D("5")})
    assert not check_max_gross_exposure(prop(), lim, s).passed


def test_open_order_limits_count_this_order_too() -> None:
    lim = limits(max_open_orders=3, max_open_orders_per_producer=2)
    assert check_max_open_orders(prop(), lim, snap(open_orders=2)).passed
    assert not check_max_open_orders(prop(), lim, snap(open_orders=3)).passed
    assert check_max_open_orders_per_producer(prop(), lim, snap(open_by_producer={"bot": 1})).passed
    assert not check_max_open_orders_per_producer(
        prop(), lim, snap(open_by_producer={"bot": 2})).passed


@pytest.mark.parametrize("mine,total,passed", [(5, 5, True), (6, 6, False), (1, 11, False)])
def test_throttle_counts_this_proposal_per_producer_and_globally(mine: int, total: int,
                                                                 passed: bool) -> None:
    lim = limits(throttle={"window_seconds": 60, "max_proposals_per_producer": 5,
                           "max_proposals": 10})
    s = snap(recent_by_producer={"bot": mine}, recent_proposals=total)
    assert check_throttle(prop(), lim, s).passed is passed


def test_duplicate_guard_refuses_a_twin_within_the_window_unless_keyed() -> None:
    lim = limits(duplicate_window_seconds=10)
    twin = RecentOrder("BTC/USDT", Side.BUY, D("1"), NOW - timedelta(seconds=10), None)
    old = RecentOrder("BTC/USDT", Side.BUY, D("1"), NOW - timedelta(seconds=11), None)
    assert not check_duplicate(prop(), lim, snap(recent_orders=(twin,))).passed
    assert check_duplicate(prop(), lim, snap(recent_orders=(old,))).passed
    assert check_duplicate(prop(key="k1"), lim, snap(recent_orders=(twin,))).passed
    assert check_duplicate(prop(qty="1.0001"), lim, snap(recent_orders=(twin,))).passed
    assert check_duplicate(prop(side=Side.SELL), lim, snap(recent_orders=(twin,))).passed


@pytest.mark.parametrize("now,passed", [
    (datetime(2026, 1, 5, 9, 0, tzinfo=UTC), True),      # Monday at the opening minute
    (datetime(2026, 1, 5, 8, 59, tzinfo=UTC), False),
    (datetime(2026, 1, 5, 16, 59, tzinfo=UTC), True),
    (datetime(2026, 1, 5, 17, 0, tzinfo=UTC), False),    # the end is exclusive
    (datetime(2026, 1, 10, 12, 0, tzinfo=UTC), False),   # Saturday
])
def test_trading_window_in_utc(now: datetime, passed: bool) -> None:
    lim = limits(btc={"trading_window": {"days": ["mon", "tue", "wed", "thu", "fri"],
                                         "start": "09:00", "end": "17:00"}})
    assert check_trading_window(prop(), lim, snap(now=now)).passed is passed


@pytest.mark.parametrize("side,qty,position,reserved_sell,passed", [
    (Side.SELL, "1", "1", "0", True),      # closes to zero
    (Side.SELL, "1.0001", "1", "0", False),  # flips short
    (Side.BUY, "0.1", "1", "0", False),     # adds
    (Side.SELL, "0.5", "1", "0.6", False),  # with pending sells it could flip
    (Side.BUY, "1", "0", "0", False),       # nothing to reduce
])
def test_reduce_only_passes_only_orders_that_shrink_the_position(
        side: Side, qty: str, position: str, reserved_sell: str, passed: bool) -> None:
    lim = limits(btc={"reduce_only": True})
    s = snap(positions={"BTC/USDT": D(position)}, reserved_sell={"BTC/USDT": D(reserved_sell)})
    assert check_reduce_only(prop(qty=qty, side=side), lim, s).passed is passed


def test_global_reduce_only_applies_to_every_symbol() -> None:
    assert not check_reduce_only(prop(symbol="ETH/USDT", price="2000"), limits(reduce_only=True),
                                 snap()).passed


@pytest.mark.parametrize("pnl,passed", [("-999.99", True), ("-1000", False)])
def test_daily_loss_refuses_new_risk_once_reached(pnl: str, passed: bool) -> None:
    lim = limits(daily_loss_limit="1000")
    assert check_daily_loss(prop(), lim, snap(session_pnl=D(pnl))).passed is passed


def test_daily_loss_still_lets_risk_reducing_orders_through() -> None:
    lim = limits(daily_loss_limit="1000")
    s = snap(session_pnl=D("-5000"), positions={"BTC/USDT": D("2")})
    assert check_daily_loss(prop(side=Side.SELL), lim, s).passed


def test_daily_loss_and_drawdown_fail_closed_when_pnl_is_unknown() -> None:
    lim = limits(daily_loss_limit="1000", max_drawdown="500")
    assert not check_daily_loss(prop(), lim, snap(session_pnl=None)).passed
    assert not check_drawdown(prop(), lim, snap(drawdown=None)).passed


@pytest.mark.parametrize("drawdown,passed", [("499.99", True), ("500", False)])
def test_drawdown_refuses_new_risk_once_reached(drawdown: str, passed: bool) -> None:
    lim = limits(max_drawdown="500")
    assert check_drawdown(prop(), lim, snap(drawdown=D(drawdown))).passed is passed
