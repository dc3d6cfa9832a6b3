"""Reconciliation's comparison and the venue-health state, as plain values."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gateway.domain.orders import Order, OrderState, OrderType, Side
from gateway.ports.exchange import (
    OrderRefused,
    OutcomeUnknown,
    RateLimited,
    VenueOrder,
    VenueOrderStatus,
    VenueUnavailable,
)
from gateway.services.reconcile import compare
from gateway.services.venue_health import VenueHealth

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def ours(cid: str, state: OrderState = OrderState.SUBMITTED, filled: str = "0") -> Order:
    return Order(id="ord_" + cid, producer="bot", symbol="BTC/USDT", side=Side.BUY,
                 type=OrderType.LIMIT, quantity=Decimal("1"), limit_price=Decimal("100"),
                 state=state, created_at=NOW, updated_at=NOW, expires_at=NOW,
                 filled_quantity=Decimal(filled), client_order_id="gg-" + cid)


def theirs(cid: str, filled: str = "0") -> VenueOrder:
    return VenueOrder(cid, "v-" + cid, "BTC/USDT", Side.BUY, OrderType.LIMIT, Decimal("1"),
                      Decimal("100"), VenueOrderStatus.OPEN, Decimal(filled), None,
                      Decimal(0), NOW)


def test_matching_books_have_no_mismatch() -> None:
    found, missing = compare([ours("a")], [theirs("gg-a")], set())
    assert (found, missing) == ([], [])


def test_foreign_and_unknown_open_orders_are_mismatches() -> None:
    found, _ = compare([], [theirs("manual-1"), theirs("gg-zzz")], set())
    assert [(m.kind, m.client_order_id) for m in found] == [
        ("foreign_open_order", "manual-1"), ("open_at_venue_only", "gg-zzz")]


def test_venue_showing_fewer_fills_than_the_gateway_is_a_mismatch() -> None:
    found, _ = compare([ours("a", OrderState.PARTIALLY_FILLED, "0.5")],
                       [theirs("gg-a", "0.2")], set())
    assert [m.kind for m in found] == ["fills_differ"]


def test_our_open_order_missing_from_the_venue_list_is_looked_up_not_yet_a_mismatch() -> None:
    found, missing = compare([ours("a"), ours("b", OrderState.SENDING)], [], set())
    assert found == [] and [o.id for o in missing] == ["ord_a"]


def test_orders_mid_send_are_left_alone() -> None:
    found, missing = compare([ours("a")], [], {"ord_a"})
    assert (found, missing) == ([], [])


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_venue_is_down_only_after_the_threshold_and_only_once() -> None:
    clock = Clock()
    health = VenueHealth(down_after_s=10, probe_s=5, clock=clock)
    health.noted(VenueUnavailable("refused"))
    clock.t += 9
    assert health.newly_down() is None
    health.noted(OutcomeUnknown("timeout"))
    clock.t += 2
    assert health.newly_down() == 11
    assert health.newly_down() is None and health.down and health.cancel_pending


def test_a_refusal_proves_the_venue_is_there() -> None:
    health = VenueHealth(down_after_s=10, probe_s=5, clock=Clock())
    health.noted(VenueUnavailable("refused"))
    health.noted(OrderRefused("insufficient"))
    assert health.reachable and not health.needs_probe


def test_rate_limit_backs_off_for_the_time_asked() -> None:
    clock = Clock()
    health = VenueHealth(down_after_s=10, probe_s=5, clock=clock)
    health.noted(RateLimited("429", retry_after=2))
    assert health.backing_off
    clock.t += 2.5
    assert not health.backing_off


def test_rate_limits_in_a_row_double_the_back_off_until_a_call_succeeds() -> None:
    clock = Clock()
    health = VenueHealth(down_after_s=10, probe_s=5, clock=clock)
    waits = []
    for _ in range(3):
        health.noted(RateLimited("429", retry_after=1))
        waits.append(health.backoff_until - clock.t)
        clock.t = health.backoff_until
    health.noted(None)
    health.noted(RateLimited("429", retry_after=1))
    assert waits == [1, 2, 4] and health.backoff_until - clock.t == 1
