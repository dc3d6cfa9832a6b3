"""flatten.plan_flatten: reduce-only legs that close positions, never flipping them, each
within the per-order caps and the price collar, and passing every check with reduce-only on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.flatten import flatten_limits, plan_flatten
from gateway.domain.halts import FLATTEN_PRODUCER
from gateway.domain.markets import Market
from gateway.domain.orders import Side
from gateway.domain.policy import evaluate
from gateway.domain.risk import Reservation, RiskSnapshot
from tests.unit.domain.support import limits

D = Decimal
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BTC = "BTC/USDT"
MARKETS = {BTC: Market(BTC, "BTC", "USDT", D("0.01"), D("0.0001"), D("0.0001"), D("5")),
           "ETH/USDT": Market("ETH/USDT", "ETH", "USDT", D("0.01"), D("0.001"), D("0.001"),
                              D("5"))}
PRICES = {BTC: D("40000"), "ETH/USDT": D("2000")}


def snap(positions: dict[str, Decimal], reserved: list[Reservation] = ()) -> RiskSnapshot:  # type: ignore[assignment]
    return RiskSnapshot.build(positions, reserved, PRICES, markets=MARKETS, now=NOW,
                              price_times={s: NOW for s in PRICES},
                              session_pnl=D(0), drawdown=D(0))


def test_a_long_position_is_closed_by_a_sell_priced_half_the_collar_below_the_reference() -> None:
    plan = plan_flatten(limits(), snap({BTC: D("0.3")}))

    [leg] = plan.legs
    assert (leg.symbol, leg.side, leg.quantity) == (BTC, Side.SELL, D("0.3"))
    assert leg.limit_price == D("39800")  # 40000 less 50 bps: crosses the bid, inside 100 bps
    assert plan.left == ()


def test_a_short_position_is_closed_by_a_buy() -> None:
    [leg] = plan_flatten(limits(), snap({"ETH/USDT": D("-2.5")})).legs

    assert (leg.side, leg.quantity, leg.limit_price) == (Side.BUY, D("2.5"), D("2010"))


def test_what_reducing_orders_already_cover_is_not_closed_twice() -> None:
    covering = [Reservation("o1", BTC, Side.SELL, D("0.1"))]

    [leg] = plan_flatten(limits(), snap({BTC: D("0.3")}, covering)).legs

    assert leg.quantity == D("0.2")


def test_a_position_larger_than_one_order_may_be_is_split_into_legs_that_each_fit() -> None:
    # BTC: 20000 USDT per order at 39800 is 0.5025 BTC, rounded down to the step.
    lim = limits(symbols={BTC: {"max_position": "5", "max_order_notional": "20000"}})

    plan = plan_flatten(lim, snap({BTC: D("1.2")}))

    assert [x.quantity for x in plan.legs] == [D("0.5025"), D("0.5025"), D("0.195")]


def test_dust_below_the_venue_minimum_is_left_open_and_said_so() -> None:
    plan = plan_flatten(limits(), snap({BTC: D("0.00005")}))

    assert plan.legs == ()
    [left] = plan.left
    assert left.quantity == D("0.00005") and "smallest order" in left.why


def test_without_a_reference_price_nothing_is_planned_and_the_reason_is_given() -> None:
    s = RiskSnapshot.build({"SOL/USDT": D("3")}, [], {})
    lim = limits(symbols={"SOL/USDT": {"max_position": "10"}})

    plan = plan_flatten(lim, s)

    assert plan.legs == () and "no reference price" in plan.left[0].why


def test_only_the_symbols_asked_for_are_planned() -> None:
    plan = plan_flatten(limits(), snap({BTC: D("0.3"), "ETH/USDT": D("1")}), ["ETH/USDT"])

    assert {x.symbol for x in plan.legs} == {"ETH/USDT"}


@settings(max_examples=200, deadline=None)
@given(position=st.decimals(min_value=D("-4"), max_value=D("4"), places=4),
       covered=st.decimals(min_value=D(0), max_value=D("4"), places=4),
       cap=st.sampled_from(["2000", "9000", "25000"]))
def test_legs_never_flip_a_position_and_each_passes_every_check_with_reduce_only_on(
        position: Decimal, covered: Decimal, cap: str) -> None:
    side = Side.SELL if position > 0 else Side.BUY
    reserved = [Reservation("o1", BTC, side, covered)] if position and covered else []
    lim = limits(symbols={BTC: {"max_position": "5", "max_order_notional": cap}})
    s = snap({BTC: position}, reserved)

    plan = plan_flatten(lim, s)

    closable = max(abs(position) - (covered if reserved else D(0)), D(0))
    assert sum((x.quantity for x in plan.legs), D(0)) <= closable
    for leg in plan.legs:
        assert leg.side is side
        # One at a time, each counted as reserved before the next, as the gateway does.
        decision = evaluate(leg.proposal(FLATTEN_PRODUCER), flatten_limits(lim), s)
        assert decision.passed, decision.summary()
        s = s.with_reservation(Reservation(f"f{id(leg)}", BTC, leg.side, leg.quantity))
    if plan.legs:  # the legs never take the worst case through zero
        assert s.worst_case_after(BTC, side, D(0)) * position >= 0
