"""The ccxt adapter's edge, without a venue: error translation, credentials, URL rebasing,
and the exact conversion of ccxt's structures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import ccxt.async_support as ccxt
import pytest

from gateway.adapters.ccxt import CcxtConfig, CcxtExchange, Secret, load_credentials
from gateway.adapters.ccxt.convert import market, venue_order
from gateway.adapters.ccxt.errors import retry_after, translate
from gateway.adapters.ccxt.exchange import rebase_urls
from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import (
    DuplicateOrder,
    InsufficientFunds,
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    RateLimited,
    VenueError,
    VenueUnavailable,
)


@pytest.mark.parametrize(("error", "sending", "expected"), [
    (ccxt.InsufficientFunds("no money"), True, InsufficientFunds),
    (ccxt.InvalidOrder("Filter failure: LOT_SIZE"), True, OrderRefused),
    (ccxt.InvalidOrder("Duplicate order sent."), True, DuplicateOrder),
    (ccxt.OrderNotFound("Order does not exist."), False, OrderNotFound),
    (ccxt.RequestTimeout("timed out"), True, OutcomeUnknown),
    (ccxt.RequestTimeout("timed out"), False, VenueUnavailable),
    (ccxt.ExchangeNotAvailable("502"), True, OutcomeUnknown),
    (ccxt.NetworkError("reset"), True, OutcomeUnknown),
    (ccxt.BadResponse("execution status unknown"), True, OutcomeUnknown),
    (ccxt.DDoSProtection("429"), True, RateLimited),
    (ccxt.RateLimitExceeded("-1003"), False, RateLimited),
    (ccxt.AuthenticationError("-2015"), True, VenueUnavailable),
    (ccxt.ExchangeError("-2026 unmapped on a test host"), True, OrderRefused),
    (ccxt.ExchangeError("odd"), False, VenueError),
])
def test_each_ccxt_error_becomes_the_ports_own(error: Exception, sending: bool,
                                               expected: type[Exception]) -> None:
    translated = translate(ccxt, error, sending=sending)
    assert type(translated) is expected


def test_timeouts_on_a_send_are_never_a_refusal() -> None:
    for error in (ccxt.RequestTimeout("t"), ccxt.NetworkError("n"), ccxt.OperationFailed("o")):
        assert not isinstance(translate(ccxt, error, sending=True), OrderRefused)


def test_credentials_come_from_the_environment_first() -> None:
    key, secret = load_credentials({"GATEWAY_CCXT_API_KEY": "k", "GATEWAY_CCXT_SECRET": "s"})
    assert (key.reveal(), secret.reveal()) == ("k", "s")


@pytest.mark.parametrize("content", [
    '{"apiKey": "fk", "secret": "fs"}',
    "# venue keys\nGATEWAY_CCXT_API_KEY=fk\nGATEWAY_CCXT_SECRET='fs'\n",
])
def test_credentials_come_from_a_secrets_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "venue.secrets"
    path.write_text(content)
    key, secret = load_credentials({"GATEWAY_CCXT_SECRETS_FILE": str(path)})
    assert (key.reveal(), secret.reveal()) == ("fk", "fs")


def test_an_unreadable_secrets_file_is_named_without_its_content(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GATEWAY_CCXT_SECRETS_FILE") as info:
        load_credentials({"GATEWAY_CCXT_SECRETS_FILE": str(tmp_path / "missing")})
    bad = tmp_path / "bad.json"
    bad.write_text('{"apiKey": "leaky-value",')
    with pytest.raises(ValueError) as info:
        load_credentials({"GATEWAY_CCXT_SECRETS_FILE": str(bad)})
    assert "leaky-value" not in str(info.value)


def test_secrets_never_show_in_reprs() -> None:
    config = CcxtConfig(api_key=Secret("KEY123"), secret=Secret("SECRET456"))
    for text in (repr(config), str(config), repr(CcxtExchange(config)), f"{config.secret}"):
        assert "KEY123" not in text and "SECRET456" not in text


def test_every_api_url_is_rebased_with_its_path_kept() -> None:
    urls = {"public": "https://api.binance.com/api/v3", "nested": {
        "sapi": "https://api.binance.com/sapi/v1"}, "other": 3}
    assert rebase_urls(urls, "http://127.0.0.1:9/") == {
        "public": "http://127.0.0.1:9/api/v3",
        "nested": {"sapi": "http://127.0.0.1:9/sapi/v1"}, "other": 3}


def test_unknown_exchange_id_is_refused_with_where_to_look() -> None:
    with pytest.raises(ValueError, match=r"ccxt\.exchanges"):
        _ = CcxtExchange(CcxtConfig(exchange_id="no-such-venue")).client


def test_market_precision_in_decimal_places_becomes_a_tick() -> None:
    m = market({"symbol": "X/Y", "base": "X", "quote": "Y",
                "precision": {"price": "2", "amount": "4"},
                "limits": {"amount": {"min": "0.0001"}, "cost": {"min": "10"}}}, 2)
    assert (m.price_tick, m.amount_step, m.min_notional) == (
        Decimal("0.01"), Decimal("0.0001"), Decimal("10"))


def test_order_without_an_id_is_an_unknown_outcome_not_a_success() -> None:
    with pytest.raises(OutcomeUnknown):
        venue_order({"id": None}, "gg-1", Side.BUY, OrderType.LIMIT, "USDT")


def test_average_is_derived_exactly_from_cost_and_filled() -> None:
    vo = venue_order({"id": "7", "symbol": "BTC/USDT", "side": "buy", "type": "limit",
                      "amount": "0.3", "price": "100", "filled": "0.3", "cost": "30.0000003",
                      "average": 100.000001, "status": "closed",
                      "fee": {"cost": "0.03", "currency": "USDT"}},
                     "gg-1", Side.BUY, OrderType.LIMIT, "USDT")
    assert vo.average == Decimal("30.0000003") / Decimal("0.3")
    assert vo.fee == Decimal("0.03")


def test_sandbox_flag_points_the_client_at_the_venues_testnet() -> None:
    client = CcxtExchange(CcxtConfig(sandbox=True)).client
    assert "testnet" in client.urls["api"]["public"]


def test_any_ccxt_exchange_id_builds_a_client_with_the_local_base_url() -> None:
    client = CcxtExchange(CcxtConfig(exchange_id="kraken", api_url="http://127.0.0.1:9")).client
    assert client.urls["api"]["public"] == "http://127.0.0.1:9"
    assert client.number is str  # amounts arrive as text, never floats


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"Retry-After": "30"}, 30.0),
    ({"retry-after": "0"}, 1.0),                               # never less than the default
    ({"Retry-After": "999999"}, 3600.0),                       # capped
    ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, 1.0),   # a date: the default
    ({}, 1.0),
    (None, 1.0),
])
def test_a_rate_limit_waits_as_long_as_the_venue_asked(headers: dict[str, str] | None,
                                                      seconds: float) -> None:
    assert retry_after(headers) == seconds


def test_precision_in_significant_digits_gives_no_step_and_ticks_are_kept() -> None:
    from decimal import Decimal

    from gateway.adapters.ccxt import convert

    assert convert.step("0.01", 4) == Decimal("0.01")  # tick size
    assert convert.step(3, 2) == Decimal("0.001")  # decimal places
    assert convert.step(5, 3) == 0  # significant digits: no fixed increment
    assert convert.step(None, 4) == 0
