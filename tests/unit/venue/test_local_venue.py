"""The local venue itself: it verifies signatures over the raw string it received, keeps
orders with partial fills and fees, and refuses like Binance does."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from tests.venue import API_KEY, SECRET, LocalVenue, VenueBook
from tests.venue.book import INSUFFICIENT, VenueReject


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


def signed(params: str, secret: str = SECRET) -> str:
    sig = hmac.new(secret.encode(), params.encode(), hashlib.sha256).hexdigest()
    return f"{params}&signature={sig}"


def order_body(cid: str = "c1") -> str:
    return (f"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=39000"
            f"&newClientOrderId={cid}&timestamp={int(time.time() * 1000)}")


def post(venue: LocalVenue, body: str, key: str = API_KEY) -> httpx.Response:
    return httpx.post(f"{venue.url}/api/v3/order", content=body,
                      headers={"X-MBX-APIKEY": key,
                               "Content-Type": "application/x-www-form-urlencoded"})


def test_correctly_signed_create_is_accepted(venue: LocalVenue) -> None:
    r = post(venue, signed(order_body()))
    assert r.status_code == 200, r.text
    assert r.json()["clientOrderId"] == "c1" and r.json()["status"] == "NEW"


def test_signature_over_a_differently_encoded_string_is_refused(venue: LocalVenue) -> None:
    # Same parameters, another order: a server hashing a re-encoded dict would accept it.
    body = order_body()
    reordered = "&".join(reversed(body.split("&")))
    sig = signed(body).rpartition("&signature=")[2]
    r = post(venue, f"{reordered}&signature={sig}")
    assert (r.status_code, r.json()["code"]) == (400, -1022)
    assert venue.book.orders == {}


def test_wrong_secret_or_api_key_is_refused(venue: LocalVenue) -> None:
    assert post(venue, signed(order_body(), secret="wrong")).json()["code"] == -1022
    assert post(venue, signed(order_body()), key="other").status_code == 401


def test_signed_query_string_is_verified_for_reads(venue: LocalVenue) -> None:
    query = signed(f"timestamp={int(time.time() * 1000)}")
    ok = httpx.get(f"{venue.url}/api/v3/account?{query}", headers={"X-MBX-APIKEY": API_KEY})
    assert ok.status_code == 200
    bad = httpx.get(f"{venue.url}/api/v3/account?{query}0", headers={"X-MBX-APIKEY": API_KEY})
    assert bad.json()["code"] == -1022


def test_partial_fills_accumulate_with_fees_and_cancel_releases_the_rest() -> None:
    book = VenueBook(fee_rate=Decimal("0.001"))
    order = book.create({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                         "quantity": "0.01", "price": "39000", "newClientOrderId": "p1"})
    assert book.locked["USDT"] == Decimal("390")
    book.fill(order, Decimal("0.004"))
    assert (order.status, order.executed, order.quote) == (
        "PARTIALLY_FILLED", Decimal("0.004"), Decimal("156"))
    assert order.trades[0]["commission"] == "0.156000"
    book.cancel(order)
    assert order.status == "CANCELED" and book.locked["USDT"] == 0
    assert book.free["USDT"] == Decimal("1000000") - Decimal("156") - Decimal("0.156")
    assert book.free["BTC"] == Decimal("10.004")


def test_a_sell_fill_takes_the_base_sold_and_pays_the_quote_less_the_fee() -> None:
    book = VenueBook(fee_rate=Decimal("0.001"))
    order = book.create({"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT",
                         "quantity": "0.5", "price": "41000", "newClientOrderId": "s1"})
    assert (book.free["BTC"], book.locked["BTC"]) == (Decimal("9.5"), Decimal("0.5"))
    book.fill(order, Decimal("0.2"))
    assert (book.free["BTC"], book.locked["BTC"]) == (Decimal("9.5"), Decimal("0.3"))
    assert book.free["USDT"] == Decimal("1000000") + Decimal("8200") - Decimal("8.2")


@pytest.mark.parametrize(("params", "code", "message"), [
    ({"quantity": "100"}, -2010, INSUFFICIENT),
    ({"quantity": "0.000011"}, -1013, "Filter failure: LOT_SIZE"),
    ({"price": "39000.001"}, -1013, "Filter failure: PRICE_FILTER"),
    ({"quantity": "0.0001"}, -1013, "Filter failure: NOTIONAL"),
    ({"symbol": "DOGEUSDT"}, -1121, "Invalid symbol."),
])
def test_refusals_carry_binance_codes_and_texts(params: dict[str, str], code: int,
                                                message: str) -> None:
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01",
            "price": "39000"}
    with pytest.raises(VenueReject) as info:
        VenueBook().create({**base, **params})
    assert (info.value.code, info.value.msg) == (code, message)


def test_a_client_order_id_is_never_accepted_twice() -> None:
    book = VenueBook()
    params = {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01",
              "newClientOrderId": "once"}
    book.create(params)
    with pytest.raises(VenueReject, match=r"Duplicate order sent\."):
        book.create(params)
