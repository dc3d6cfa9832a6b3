"""The paper venue: deterministic prices, lazy matching, funds, filters, persistence, faults."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.adapters.paper import PaperExchange, PriceFeed
from gateway.adapters.paper.book import PaperOrder, next_fill_amount
from gateway.domain.orders import OrderType, Side
from gateway.ports.clock import FakeClock
from gateway.ports.exchange import (
    Exchange,
    InsufficientFunds,
    Market,
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    VenueOrder,
    VenueOrderRequest,
    VenueOrderStatus,
    VenueUnavailable,
)

BTC = "BTC/USDT"
TICK = Decimal("0.01")
START = {BTC: Decimal("95000")}
START_AT = datetime(2026, 1, 5, 12, tzinfo=UTC)


def limit(
    cid: str, side: Side, amount: str, price: Decimal, symbol: str = BTC
) -> VenueOrderRequest:
    return VenueOrderRequest(cid, symbol, side, OrderType.LIMIT, Decimal(amount), price)


def market(cid: str, side: Side, amount: str, symbol: str = BTC) -> VenueOrderRequest:
    return VenueOrderRequest(cid, symbol, side, OrderType.MARKET, Decimal(amount))


def venue(clock: FakeClock, **kwargs: object) -> PaperExchange:
    # Lively prices so tests need few steps before an order crosses.
    options: dict[str, object] = {"volatility": Decimal("0.001"), "fill_fraction": Decimal(1)}
    options.update(kwargs)
    return PaperExchange(clock=clock, **options)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_paper_exchange_satisfies_the_exchange_port(clock: FakeClock) -> None:
    port: Exchange = PaperExchange(clock=clock)  # mypy checks the protocol here
    assert port.name == "paper"


# -- price feed ----------------------------------------------------------------------------


def test_price_feed_gives_the_same_price_for_the_same_seed_and_time_in_a_new_instance() -> None:
    at = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
    first = PriceFeed(START, seed=11).price(BTC, at)
    assert PriceFeed(START, seed=11).price(BTC, at) == first
    assert PriceFeed(START, seed=12).price(BTC, at) != first


def test_price_feed_range_agrees_with_single_prices_and_every_price_sits_on_the_tick() -> None:
    feed, fresh = PriceFeed(START, ticks={BTC: TICK}), PriceFeed(START, ticks={BTC: TICK})
    first = feed.step_of(datetime(2026, 1, 12, 23, 59, tzinfo=UTC))  # spans a block boundary
    walked = list(feed.prices(BTC, first, first + 600))
    assert [step for step, _ in walked] == list(range(first, first + 601))
    for step, price in walked:
        assert price == fresh.price_at_step(BTC, step)
        assert price % TICK == 0 and price > 0


def test_price_feed_starts_at_the_start_price_on_the_epoch_and_moves_afterwards() -> None:
    feed = PriceFeed(START)
    assert feed.price_at_step(BTC, 0) == Decimal("95000")
    assert len({feed.price_at_step(BTC, s) for s in range(1, 50)}) > 10


def test_price_feed_answers_for_times_years_apart_without_walking_every_step() -> None:
    feed = PriceFeed(START)
    began = time.perf_counter()
    far = [feed.price(BTC, datetime(year, 6, 1, tzinfo=UTC)) for year in (2020, 2031, 2040)]
    assert time.perf_counter() - began < 1.0
    assert all(p > 0 for p in far)


def test_ticker_quotes_bid_below_ask_around_the_walk_price_at_clock_time(
    clock: FakeClock,
) -> None:
    ex = venue(clock)
    ticker = asyncio.run(ex.fetch_ticker(BTC))
    assert ticker.last == ex.feed.price(BTC, clock.now())
    assert ticker.bid < ticker.last < ticker.ask
    assert ticker.ask - ticker.bid <= ticker.last * Decimal("0.0002") + 2 * TICK
    assert ticker.timestamp == clock.now()


# -- matching ------------------------------------------------------------------------------


async def test_limit_buy_rests_until_ask_crosses_then_fills(clock: FakeClock) -> None:
    ex = venue(clock)
    ticker = await ex.fetch_ticker(BTC)
    price = ticker.ask - 100
    created = await ex.create_order(limit("b1", Side.BUY, "0.01", price))
    assert created.status is VenueOrderStatus.OPEN and created.filled == 0
    for _ in range(3600):
        clock.advance(1)
        ticker = await ex.fetch_ticker(BTC)
        order = await ex.fetch_order(BTC, "b1")
        if ticker.ask <= price:
            assert order.status is VenueOrderStatus.CLOSED
            assert order.filled == Decimal("0.01") and order.average == price
            return
        assert order.status is VenueOrderStatus.OPEN and order.filled == 0
    pytest.fail("the ask never reached the limit in an hour")


async def test_limit_sell_rests_until_bid_crosses_then_fills(clock: FakeClock) -> None:
    ex = venue(clock)
    price = (await ex.fetch_ticker(BTC)).bid + 100
    await ex.create_order(limit("s1", Side.SELL, "0.01", price))
    for _ in range(3600):
        clock.advance(1)
        ticker = await ex.fetch_ticker(BTC)
        order = await ex.fetch_order(BTC, "s1")
        if ticker.bid >= price:
            assert order.status is VenueOrderStatus.CLOSED and order.average == price
            return
        assert order.status is VenueOrderStatus.OPEN
    pytest.fail("the bid never reached the limit in an hour")


async def test_marketable_limit_takes_the_ask_on_arrival(clock: FakeClock) -> None:
    ex = venue(clock)
    ask = (await ex.fetch_ticker(BTC)).ask
    order = await ex.create_order(limit("b1", Side.BUY, "0.01", ask + 500))
    assert order.status is VenueOrderStatus.CLOSED and order.average == ask


async def test_resting_order_fills_at_most_the_configured_fraction_per_step(
    clock: FakeClock,
) -> None:
    ex = venue(clock, fill_fraction=Decimal("0.5"), volatility=Decimal("0.00001"))
    ask = (await ex.fetch_ticker(BTC)).ask
    order = await ex.create_order(limit("b1", Side.BUY, "0.008", ask + 1000))
    fills = [order.filled]
    while order.status is VenueOrderStatus.OPEN:
        clock.advance(1)
        order = await ex.fetch_order(BTC, "b1")
        fills.append(order.filled)
    assert fills[:4] == [Decimal(x) for x in ("0.004", "0.006", "0.007", "0.0075")]
    assert fills[-1] == Decimal("0.008") and len(fills) > 8


def test_partial_fill_never_leaves_a_remainder_below_the_minimum_amount() -> None:
    lot = Market("X/USDT", "X", "USDT", TICK, Decimal("0.001"), Decimal("0.01"), Decimal(1))
    order = PaperOrder(
        1, "x", "X/USDT", Side.BUY, OrderType.LIMIT, Decimal("0.015"), TICK, START_AT
    )
    assert next_fill_amount(order, lot, Decimal("0.5")) == Decimal("0.015")
    order.amount = Decimal("0.05")
    assert next_fill_amount(order, lot, Decimal("0.5")) == Decimal("0.025")
    assert next_fill_amount(order, lot, Decimal("0.0001")) == Decimal("0.01")


async def test_market_buy_fills_at_once_at_the_ask_and_pays_the_fee_in_quote(
    clock: FakeClock,
) -> None:
    ex = venue(clock)
    before = await ex.fetch_balance()
    ask = (await ex.fetch_ticker(BTC)).ask
    order = await ex.create_order(market("m1", Side.BUY, "0.5"))
    assert order.status is VenueOrderStatus.CLOSED
    assert order.average == ask and order.fee == Decimal("0.5") * ask * Decimal("0.001")
    after = await ex.fetch_balance()
    assert after["USDT"] == before["USDT"] - Decimal("0.5") * ask - order.fee
    assert after["BTC"] == before["BTC"] + Decimal("0.5")
    assert (await ex.fetch_locked())["USDT"] == 0


async def test_market_sell_fills_at_the_bid_and_the_fee_comes_off_the_proceeds(
    clock: FakeClock,
) -> None:
    ex = venue(clock, fee_rate=Decimal("0.002"))
    before = await ex.fetch_balance()
    bid = (await ex.fetch_ticker(BTC)).bid
    order = await ex.create_order(market("m1", Side.SELL, "2"))
    assert order.average == bid and order.fee == 2 * bid * Decimal("0.002")
    after = await ex.fetch_balance()
    assert after["USDT"] == before["USDT"] + 2 * bid - order.fee
    assert after["BTC"] == before["BTC"] - 2


async def test_fees_accumulate_over_partial_fills(clock: FakeClock) -> None:
    ex = venue(clock, fill_fraction=Decimal("0.5"), volatility=Decimal("0.00001"))
    ask = (await ex.fetch_ticker(BTC)).ask
    price = ask + 1000
    first = await ex.create_order(limit("b1", Side.BUY, "0.004", price))
    assert first.fee == Decimal("0.002") * ask * Decimal("0.001")
    clock.advance(1)
    second = await ex.fetch_order(BTC, "b1")
    assert second.fee == first.fee + Decimal("0.001") * price * Decimal("0.001")


async def test_matching_does_not_depend_on_how_often_the_venue_is_polled(
    clock: FakeClock,
) -> None:
    other_clock = FakeClock()
    polled = venue(clock, fill_fraction=Decimal("0.3"))
    idle = venue(other_clock, fill_fraction=Decimal("0.3"))
    price = (await polled.fetch_ticker(BTC)).ask - 150
    for ex in (polled, idle):
        await ex.create_order(limit("b1", Side.BUY, "0.1", price))
    for _ in range(1800):
        clock.advance(1)
        await polled.fetch_order(BTC, "b1")
    other_clock.advance(1800)
    assert await idle.fetch_order(BTC, "b1") == await polled.fetch_order(BTC, "b1")
    assert await idle.fetch_balance() == await polled.fetch_balance()


# -- funds and filters ---------------------------------------------------------------------


async def test_buy_beyond_the_free_quote_is_refused_as_insufficient_funds(
    clock: FakeClock,
) -> None:
    ex = venue(clock, balances={"USDT": Decimal("1000"), "BTC": Decimal("0.001")})
    with pytest.raises(InsufficientFunds):
        await ex.create_order(limit("b1", Side.BUY, "0.012", Decimal("90000")))
    with pytest.raises(InsufficientFunds):
        await ex.create_order(limit("s1", Side.SELL, "0.002", Decimal("99000")))
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, "b1")
    assert await ex.fetch_balance() == {"USDT": Decimal("1000"), "BTC": Decimal("0.001")}


async def test_limit_buy_reserves_quote_with_fee_and_cancel_releases_it(
    clock: FakeClock,
) -> None:
    ex = venue(clock)
    before = await ex.fetch_balance()
    await ex.create_order(limit("b1", Side.BUY, "0.1", Decimal("50000")))
    reserved = Decimal("0.1") * 50000 * Decimal("1.001")
    assert (await ex.fetch_balance())["USDT"] == before["USDT"] - reserved
    assert (await ex.fetch_locked())["USDT"] == reserved
    canceled = await ex.cancel_order(BTC, "b1")
    assert canceled.status is VenueOrderStatus.CANCELED
    assert await ex.fetch_balance() == before
    assert (await ex.fetch_locked())["USDT"] == 0
    assert await ex.fetch_open_orders() == []


async def test_cancel_of_an_order_that_is_no_longer_open_is_refused(clock: FakeClock) -> None:
    ex = venue(clock)
    await ex.create_order(market("m1", Side.BUY, "0.01"))
    with pytest.raises(OrderRefused, match="already closed"):
        await ex.cancel_order(BTC, "m1")
    with pytest.raises(OrderNotFound):
        await ex.cancel_order(BTC, "nope")


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (limit("x", Side.BUY, "0.01", Decimal("90000"), symbol="PEPE/USDT"), "unknown symbol"),
        (limit("x", Side.BUY, "0.000001", Decimal("90000")), "below the minimum"),
        (limit("x", Side.BUY, "0.000015", Decimal("90000")), "not a multiple of 0.00001"),
        (limit("x", Side.BUY, "0.01", Decimal("90000.005")), "not a multiple of 0.01"),
        (limit("x", Side.BUY, "0.00004", Decimal("90000")), "notional"),
        (VenueOrderRequest("x", BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01")), "price"),
        (
            VenueOrderRequest("x", BTC, Side.BUY, OrderType.MARKET, Decimal("1"), Decimal("1")),
            "carries no price",
        ),
        (limit("", Side.BUY, "0.01", Decimal("90000")), "client order id"),
    ],
)
async def test_filters_refuse_invalid_orders_and_record_nothing(
    clock: FakeClock, request_: VenueOrderRequest, reason: str
) -> None:
    ex = venue(clock)
    with pytest.raises(OrderRefused, match=reason):
        await ex.create_order(request_)
    assert await ex.fetch_open_orders() == []


async def test_duplicate_client_order_id_is_refused_and_never_makes_a_second_order(
    clock: FakeClock,
) -> None:
    ex = venue(clock)
    first = await ex.create_order(limit("dup", Side.BUY, "0.01", Decimal("50000")))
    with pytest.raises(OrderRefused, match="duplicate"):
        await ex.create_order(limit("dup", Side.BUY, "0.01", Decimal("50000")))
    await ex.cancel_order(BTC, "dup")
    with pytest.raises(OrderRefused, match="duplicate"):
        await ex.create_order(market("dup", Side.SELL, "0.01"))
    assert (await ex.fetch_order(BTC, "dup")).venue_order_id == first.venue_order_id
    assert await ex.fetch_open_orders() == []


async def test_fetch_order_of_an_unknown_client_id_or_another_symbol_is_not_found(
    clock: FakeClock,
) -> None:
    ex = venue(clock)
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, "never-sent")
    await ex.create_order(limit("b1", Side.BUY, "0.01", Decimal("50000")))
    with pytest.raises(OrderNotFound):
        await ex.fetch_order("ETH/USDT", "b1")


# -- persistence ---------------------------------------------------------------------------


async def test_orders_and_balances_survive_a_new_instance_on_the_same_state_path(
    clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "venue.sqlite"
    ex = venue(clock, state_path=path)
    await ex.create_order(limit("b1", Side.BUY, "0.01", Decimal("50000")))
    await ex.create_order(market("m1", Side.SELL, "0.5"))
    orders = [await ex.fetch_order(BTC, "b1"), await ex.fetch_order(BTC, "m1")]
    balance, locked = await ex.fetch_balance(), await ex.fetch_locked()
    await ex.close()

    again = venue(clock, state_path=path, balances={"USDT": Decimal(1)})
    assert [await again.fetch_order(BTC, "b1"), await again.fetch_order(BTC, "m1")] == orders
    assert await again.fetch_balance() == balance and await again.fetch_locked() == locked
    with pytest.raises(OrderRefused, match="duplicate"):
        await again.create_order(limit("b1", Side.BUY, "0.01", Decimal("50000")))
    third = await again.create_order(limit("b2", Side.BUY, "0.01", Decimal("50000")))
    assert third.venue_order_id not in {o.venue_order_id for o in orders}


async def test_a_restart_does_not_change_what_fills(clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "venue.sqlite"
    steady_clock = FakeClock()
    steady = venue(steady_clock, fill_fraction=Decimal("0.4"))
    restarted = venue(clock, state_path=path, fill_fraction=Decimal("0.4"))
    price = (await steady.fetch_ticker(BTC)).ask - 120
    for ex in (steady, restarted):
        await ex.create_order(limit("b1", Side.BUY, "0.2", price))
    for _ in range(6):
        clock.advance(300)
        steady_clock.advance(300)
        await restarted.close()
        restarted = venue(clock, state_path=path, fill_fraction=Decimal("0.4"))
        assert await restarted.fetch_order(BTC, "b1") == await steady.fetch_order(BTC, "b1")
    assert await restarted.fetch_balance() == await steady.fetch_balance()


# -- faults and latency --------------------------------------------------------------------


async def test_timeout_after_accept_records_the_order_then_raises_outcome_unknown(
    clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "venue.sqlite"
    ex = venue(clock, state_path=path)
    ex.faults.timeout_after_accept = 1
    with pytest.raises(OutcomeUnknown):
        await ex.create_order(limit("t1", Side.BUY, "0.01", Decimal("50000")))
    assert ex.faults.timeout_after_accept == 0
    found = await ex.fetch_order(BTC, "t1")
    assert found.status is VenueOrderStatus.OPEN
    with pytest.raises(OrderRefused, match="duplicate"):
        await ex.create_order(limit("t1", Side.BUY, "0.01", Decimal("50000")))
    # The venue committed before the reply was lost: a crash of the caller loses nothing.
    assert await venue(clock, state_path=path).fetch_order(BTC, "t1") == found


async def test_unavailable_before_send_records_nothing_and_a_retry_succeeds(
    clock: FakeClock,
) -> None:
    ex = venue(clock)
    ex.faults.unavailable_before_send = 1
    with pytest.raises(VenueUnavailable):
        await ex.create_order(limit("u1", Side.BUY, "0.01", Decimal("50000")))
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, "u1")
    order = await ex.create_order(limit("u1", Side.BUY, "0.01", Decimal("50000")))
    assert order.status is VenueOrderStatus.OPEN


async def test_a_venue_marked_down_answers_every_call_with_unavailable(clock: FakeClock) -> None:
    ex = venue(clock)
    ex.faults.down = True
    with pytest.raises(VenueUnavailable):
        await ex.fetch_ticker(BTC)
    with pytest.raises(VenueUnavailable):
        await ex.create_order(market("m1", Side.BUY, "0.01"))
    ex.faults.down = False
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, "m1")


async def test_a_caller_that_stops_waiting_on_a_slow_venue_has_still_placed_the_order(
    clock: FakeClock,
) -> None:
    ex = venue(clock, latency_s=0.05)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(
            ex.create_order(limit("slow", Side.BUY, "0.01", Decimal("50000"))), 0.01
        )
    assert (await ex.fetch_order(BTC, "slow")).status is VenueOrderStatus.OPEN


# -- accounting invariant ------------------------------------------------------------------

_ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("order"),
            st.sampled_from(list(Side)),
            st.sampled_from(list(OrderType)),
            st.integers(min_value=10, max_value=5000),  # amount in 0.00001 BTC
            st.integers(min_value=-300, max_value=300),  # limit offset from mid, USDT
        ),
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=120)),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(actions=_ACTIONS)
def test_locked_funds_always_equal_what_open_orders_reserve(
    actions: list[tuple[object, ...]],
) -> None:
    asyncio.run(_check_reservations(actions))


async def _check_reservations(actions: list[tuple[object, ...]]) -> None:
    clock = FakeClock()
    ex = venue(clock, fill_fraction=Decimal("0.5"))
    start = await ex.fetch_balance()
    cids: list[str] = []
    for action in actions:
        if action[0] == "order":
            _, side, type_, units, offset = action
            assert isinstance(side, Side) and isinstance(type_, OrderType)
            assert isinstance(units, int) and isinstance(offset, int)
            mid = (await ex.fetch_ticker(BTC)).last
            price = mid + offset if type_ is OrderType.LIMIT else None
            cid = f"c{len(cids)}"
            amount = Decimal(units) * Decimal("0.00001")
            try:
                await ex.create_order(VenueOrderRequest(cid, BTC, side, type_, amount, price))
                cids.append(cid)
            except OrderRefused:
                pass
        elif action[0] == "advance":
            assert isinstance(action[1], int)
            clock.advance(action[1])
        elif cids:
            assert isinstance(action[1], int)
            with contextlib.suppress(OrderRefused):
                await ex.cancel_order(BTC, cids[action[1] % len(cids)])
        await _assert_books_balance(ex, start, cids)


async def _assert_books_balance(
    ex: PaperExchange, start: dict[str, Decimal], cids: list[str]
) -> None:
    orders: list[VenueOrder] = [await ex.fetch_order(BTC, cid) for cid in cids]
    free, locked = await ex.fetch_balance(), await ex.fetch_locked()
    fee = Decimal("1.001")
    open_ = [o for o in orders if o.status is VenueOrderStatus.OPEN]
    expect_usdt = sum(
        (o.amount - o.filled) * (o.price or 0) * fee for o in open_ if o.side is Side.BUY
    )
    expect_btc = sum(o.amount - o.filled for o in open_ if o.side is Side.SELL)
    assert locked.get("USDT", 0) == expect_usdt and locked.get("BTC", 0) == expect_btc
    assert all(v >= 0 for v in free.values())
    bought = sum(o.filled * o.side.sign for o in orders)
    assert free["BTC"] + locked.get("BTC", 0) == start["BTC"] + bought
    # Averages are rounded to 18 places, so traded value is known to within a hair.
    spent = sum(o.side.sign * o.filled * (o.average or 0) + o.fee for o in orders)
    assert abs(free["USDT"] + locked.get("USDT", 0) - (start["USDT"] - spent)) < Decimal("1e-9")
