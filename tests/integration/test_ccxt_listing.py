"""Listing open orders through the real ccxt client against the local venue: each raw order
is parsed once per distinct content, and every change at the venue still shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from gateway.adapters.ccxt import CcxtExchange
from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import VenueOrderRequest, VenueOrderStatus
from tests.venue import LocalVenue, ccxt_exchange


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Client order ids in the order ccxt parsed them (any binance client)."""
    import ccxt.async_support as ccxt_async

    seen: list[str] = []
    original = ccxt_async.binance.parse_order

    def spy(self: Any, order: dict[str, Any], market: Any = None) -> Any:
        seen.append(str(order.get("clientOrderId")))
        return original(self, order, market)

    monkeypatch.setattr(ccxt_async.binance, "parse_order", spy)
    return seen


@pytest.fixture
async def ex(venue: LocalVenue, parsed: list[str]) -> AsyncIterator[CcxtExchange]:
    exchange = ccxt_exchange(venue, timeout_ms=2000)
    await exchange.load_markets()
    yield exchange
    await exchange.close()


def buy(cid: str) -> VenueOrderRequest:
    return VenueOrderRequest(cid, "BTC/USDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"),
                             Decimal("39000"))


async def test_unchanged_orders_are_parsed_once_and_changes_still_show(
        ex: CcxtExchange, venue: LocalVenue, parsed: list[str]) -> None:
    for cid in ("gg-a", "gg-b", "gg-c"):
        await ex.create_order(buy(cid))
    first = await ex.fetch_open_orders()
    assert sorted(o.client_order_id for o in first) == ["gg-a", "gg-b", "gg-c"]
    parsed.clear()

    assert await ex.fetch_open_orders() == first
    assert parsed == []  # nothing changed: nothing parsed again

    venue.book.fill(venue.order("gg-b"), Decimal("0.004"), Decimal("38999.5"))
    await ex.cancel_order("BTC/USDT", "gg-c")
    parsed.clear()
    listed = {o.client_order_id: o for o in await ex.fetch_open_orders()}
    assert parsed == ["gg-b"]  # only the order that changed
    assert set(listed) == {"gg-a", "gg-b"}
    assert listed["gg-a"] == next(o for o in first if o.client_order_id == "gg-a")
    b = listed["gg-b"]
    assert (b.status, b.filled, b.average) == (
        VenueOrderStatus.OPEN, Decimal("0.004"), Decimal("38999.5"))
    assert b.fee == Decimal("0.004") * Decimal("38999.5") * Decimal("0.001")

