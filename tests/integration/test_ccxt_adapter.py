"""The real ccxt client (ccxt.async_support.binance) through the gateway's adapter, against
the local venue on loopback: every endpoint the gateway uses, request signing, partial
fills with fees, and the translation of each venue error into the port's own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest

from gateway.adapters.ccxt import CcxtExchange
from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import (
    DuplicateOrder,
    InsufficientFunds,
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    RateLimited,
    VenueOrderRequest,
    VenueOrderStatus,
    VenueUnavailable,
)
from tests.venue import SECRET, LocalVenue, ccxt_exchange

ORDER = "/api/v3/order"


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


@pytest.fixture
async def ex(venue: LocalVenue) -> AsyncIterator[CcxtExchange]:
    exchange = ccxt_exchange(venue, timeout_ms=500)
    await exchange.load_markets()
    yield exchange
    await exchange.close()


def buy(cid: str, qty: str = "0.01", price: str | None = "39000") -> VenueOrderRequest:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return VenueOrderRequest(cid, "BTC/USDT", Side.BUY, kind, Decimal(qty),
                             None if price is None else Decimal(price))


async def test_markets_carry_the_venues_tick_step_and_minimum_notional(
        ex: CcxtExchange) -> None:
    markets = await ex.load_markets()
    btc = markets["BTC/USDT"]
    assert (btc.base, btc.quote) == ("BTC", "USDT")
    assert (btc.price_tick, btc.amount_step) == (Decimal("0.01"), Decimal("0.00001"))
    assert (btc.min_amount, btc.min_notional) == (Decimal("0.00001"), Decimal("5"))
    assert set(markets) == {"BTC/USDT", "ETH/USDT", "SOL/USDT"}


async def test_ticker_and_balance_are_exact_decimals(ex: CcxtExchange) -> None:
    ticker = await ex.fetch_ticker("BTC/USDT")
    assert (ticker.bid, ticker.ask, ticker.last) == (
        Decimal("39999.99"), Decimal("40000.01"), Decimal("40000"))
    balance = await ex.fetch_balance()
    assert balance["USDT"] == Decimal("1000000") and balance["BTC"] == Decimal("10")


async def test_resting_order_is_found_by_client_id_partially_filled_with_fees_then_cancelled(
        ex: CcxtExchange, venue: LocalVenue) -> None:
    placed = await ex.create_order(buy("gg-rest"))
    assert placed.status is VenueOrderStatus.OPEN and placed.filled == 0
    assert venue.order("gg-rest").client_id == "gg-rest"

    venue.book.fill(venue.order("gg-rest"), Decimal("0.004"), Decimal("38999.5"))
    seen = await ex.fetch_order("BTC/USDT", "gg-rest")
    assert (seen.filled, seen.average) == (Decimal("0.004"), Decimal("38999.5"))
    assert seen.fee == Decimal("0.004") * Decimal("38999.5") * Decimal("0.001")
    assert [o.client_order_id for o in await ex.fetch_open_orders()] == ["gg-rest"]

    cancelled = await ex.cancel_order("BTC/USDT", "gg-rest")
    assert cancelled.status is VenueOrderStatus.CANCELED and cancelled.filled == Decimal("0.004")
    assert await ex.fetch_open_orders() == []
    with pytest.raises(OrderRefused, match="already canceled"):
        await ex.cancel_order("BTC/USDT", "gg-rest")


async def test_market_order_fills_at_once_with_its_fee(ex: CcxtExchange) -> None:
    done = await ex.create_order(buy("gg-mkt", price=None))
    assert done.status is VenueOrderStatus.CLOSED
    assert (done.filled, done.average) == (Decimal("0.01"), Decimal("40000.01"))
    assert done.fee == Decimal("0.4000001")


async def test_insufficient_funds_is_refused_with_the_venues_reason(ex: CcxtExchange) -> None:
    with pytest.raises(InsufficientFunds, match="insufficient balance"):
        await ex.create_order(buy("gg-big", qty="100", price="39000"))


async def test_filter_failure_is_an_invalid_order_not_an_unknown_outcome(
        ex: CcxtExchange) -> None:
    with pytest.raises(OrderRefused, match="NOTIONAL") as info:
        await ex.create_order(buy("gg-small", qty="0.0001"))  # 3.9 USDT < 5
    assert not isinstance(info.value, InsufficientFunds)


async def test_second_create_with_the_same_client_id_is_a_duplicate(
        ex: CcxtExchange, venue: LocalVenue) -> None:
    await ex.create_order(buy("gg-dup"))
    with pytest.raises(DuplicateOrder):
        await ex.create_order(buy("gg-dup"))
    assert len(venue.orders_for("gg-dup")) == 1


async def test_unknown_client_id_is_order_not_found(ex: CcxtExchange) -> None:
    with pytest.raises(OrderNotFound):
        await ex.fetch_order("BTC/USDT", "gg-never-sent")


async def test_timeout_after_the_venue_accepted_is_outcome_unknown_and_the_order_exists(
        ex: CcxtExchange, venue: LocalVenue) -> None:
    fault = venue.inject("POST", ORDER, "delay", seconds=5)
    with pytest.raises(OutcomeUnknown):
        await ex.create_order(buy("gg-slow"))
    fault.release()
    assert (await ex.fetch_order("BTC/USDT", "gg-slow")).status is VenueOrderStatus.OPEN


async def test_dropped_reply_after_accept_is_outcome_unknown(
        ex: CcxtExchange, venue: LocalVenue) -> None:
    venue.inject("POST", ORDER, "drop")
    with pytest.raises(OutcomeUnknown):
        await ex.create_order(buy("gg-drop"))
    assert len(venue.orders_for("gg-drop")) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_error_on_a_send_is_outcome_unknown_never_failed(
        ex: CcxtExchange, venue: LocalVenue, status: int) -> None:
    venue.inject("POST", ORDER, "status", status=status, after_accept=False)
    with pytest.raises(OutcomeUnknown):
        await ex.create_order(buy("gg-5xx"))


async def test_server_error_on_a_read_is_venue_unavailable(
        ex: CcxtExchange, venue: LocalVenue) -> None:
    venue.inject("GET", "/api/v3/account", "status", status=503, after_accept=False)
    with pytest.raises(VenueUnavailable):
        await ex.fetch_balance()


async def test_429_is_rate_limited_with_a_back_off(ex: CcxtExchange, venue: LocalVenue) -> None:
    venue.inject("POST", ORDER, "status", status=429, after_accept=False)
    with pytest.raises(RateLimited) as info:
        await ex.create_order(buy("gg-429"))
    assert info.value.retry_after > 0
    assert venue.orders_for("gg-429") == []


async def test_429_backs_off_as_long_as_the_venues_retry_after_says(
        ex: CcxtExchange, venue: LocalVenue) -> None:
    venue.inject("GET", "/api/v3/account", "status", status=429, after_accept=False,
                 retry_after=42)
    with pytest.raises(RateLimited) as info:
        await ex.fetch_balance()
    assert info.value.retry_after == 42


async def test_venue_that_is_gone_is_unavailable_for_reads_and_unknown_for_sends(
        venue: LocalVenue) -> None:
    ex = ccxt_exchange(venue, timeout_ms=500)
    await ex.load_markets()
    venue.stop()
    try:
        with pytest.raises(VenueUnavailable):
            await ex.fetch_balance()
        with pytest.raises(OutcomeUnknown):
            await ex.create_order(buy("gg-gone"))
    finally:
        await ex.close()


async def test_wrong_secret_fails_the_signature_check_and_says_what_to_fix(
        venue: LocalVenue) -> None:
    from gateway.adapters.ccxt import CcxtConfig, Secret

    ex = CcxtExchange(CcxtConfig(api_url=venue.url, api_key=Secret("local-venue-key"),
                                 secret=Secret("not-the-secret"), rate_limit=False))
    try:
        with pytest.raises(VenueUnavailable, match="GATEWAY_CCXT_SECRET") as info:
            await ex.fetch_balance()
        assert "not-the-secret" not in str(info.value)
    finally:
        await ex.close()
    assert SECRET not in repr(ex)
