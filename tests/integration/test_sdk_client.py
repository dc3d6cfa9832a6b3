"""The SDK against a real gateway on loopback: propose, wait for decisions and fills, errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.adapters.store.writer import execute_batch
from gateway.domain.checks.producer_scope import ProducerScope
from gateway.ports.clock import SystemClock
from gateway.sdk import (
    AsyncGatewayClient,
    GatewayClient,
    Halted,
    LimitRejected,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationError,
)
from gateway.services import principals
from tests.integration.sdk_server import Served, serve
from tests.support import add, auth, make_gateway


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    with serve(make_gateway(database_url, tmp_path)) as s:
        yield s


@pytest.fixture
def bot(served: Served) -> Iterator[GatewayClient]:
    with GatewayClient(served.url, add(served.gw, "bot1", "producer")) as client:
        yield client


@pytest.fixture
def desk(served: Served) -> Iterator[httpx.Client]:
    token = add(served.gw, "trader1", "trader", "tina")
    with httpx.Client(base_url=served.url, headers=auth(token)) as client:
        yield client


def decide_later(desk: httpx.Client, order_id: str, verb: str, body: dict[str, str]) -> None:
    threading.Timer(0.2, lambda: desk.post(f"/v1/orders/{order_id}/{verb}", json=body)).start()


def test_a_proposal_is_approved_then_filled_and_wait_sees_it(bot: GatewayClient,
                                                             desk: httpx.Client) -> None:
    handle = bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000", rationale="test")
    assert handle.order.state == "pending_approval"
    decide_later(desk, handle.id, "approve", {})
    order = handle.wait(timeout=20)
    assert order.state == "filled"
    assert order.approved_by == "trader1"


def test_a_denial_reaches_the_bot_with_its_reason(bot: GatewayClient,
                                                  desk: httpx.Client) -> None:
    handle = bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000")
    decide_later(desk, handle.id, "deny", {"reason": "not today"})
    order = handle.wait(timeout=20)
    assert (order.state, order.reason) == ("denied", "not today")


def test_updates_iterate_over_each_pushed_change(bot: GatewayClient, desk: httpx.Client) -> None:
    handle = bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000")
    decide_later(desk, handle.id, "approve", {})
    seen = list(handle.updates(timeout=20))
    assert seen[-1].state == "filled"
    versions = [o.version for o in seen]
    assert versions == sorted(set(versions))  # each version once, in order


def test_the_same_idempotency_key_never_makes_a_second_order(bot: GatewayClient) -> None:
    first = bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000", idempotency_key="k-1")
    again = bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000", idempotency_key="k-1")
    assert again.id == first.id
    assert len(bot.orders()) == 1


def test_a_limit_refusal_carries_every_failed_check(bot: GatewayClient) -> None:
    with pytest.raises(LimitRejected) as caught:
        bot.propose("BTC/USDT", "buy", "5", limit_price="40000")
    failed = {c["name"] for c in caught.value.failed}
    assert {"max_order_notional", "max_position"} <= failed
    assert len(caught.value.checks) > len(failed)


def test_bursting_past_its_rate_raises_rate_limited_with_retry_after(served: Served) -> None:
    [(credential, error)] = execute_batch(served.gw.engine, SystemClock(), {}, [
        lambda uow: principals.add(uow, "burst", principals.Role.PRODUCER, "alice",
                                   "admin:test", ProducerScope(rate_per_minute=2))])
    assert error is None
    with GatewayClient(served.url, credential) as bot:
        for price in ("40000", "40001"):
            bot.propose("BTC/USDT", "buy", "0.001", limit_price=price)
        with pytest.raises(RateLimited) as caught:
            bot.propose("BTC/USDT", "buy", "0.001", limit_price="40002")
        with pytest.raises(LimitRejected):  # still a limit refusal to code written for that
            bot.propose("BTC/USDT", "buy", "0.001", limit_price="40003")
        assert len(bot.orders()) == 4  # raised at once, never retried with the spent key
    assert caught.value.status == 429 and caught.value.retry_after == 60
    assert [c["name"] for c in caught.value.failed] == ["producer_rate"]


def test_a_halt_raises_halted_with_its_reason(served: Served, bot: GatewayClient) -> None:
    risk = add(served.gw, "risk1", "risk", "rita")
    httpx.post(f"{served.url}/v1/halt", json={"reason": "venue outage"}, headers=auth(risk))
    with pytest.raises(Halted) as caught:
        bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000")
    assert caught.value.reason == "venue outage"
    assert (caught.value.scope, caught.value.target) == ("global", None)


def test_a_symbol_halt_raises_halted_naming_the_symbol(served: Served,
                                                       bot: GatewayClient) -> None:
    risk = add(served.gw, "risk1", "risk", "rita")
    httpx.post(f"{served.url}/v1/halt", json={"reason": "feed", "symbol": "BTC/USDT"},
               headers=auth(risk))
    with pytest.raises(Halted) as caught:
        bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000")
    assert (caught.value.scope, caught.value.target, caught.value.reason) == (
        "symbol", "BTC/USDT", "feed")


def test_schema_errors_name_the_field(bot: GatewayClient) -> None:
    with pytest.raises(ValidationError) as caught:
        bot.propose("BTC/USDT", "buy", "0", limit_price="40000")
    assert caught.value.field == "quantity"


def test_floats_are_refused_before_anything_is_sent(bot: GatewayClient) -> None:
    with pytest.raises(TypeError, match="quantity"):
        bot.propose("BTC/USDT", "buy", 0.1, limit_price="40000")  # type: ignore[arg-type]


def test_cancel_order_and_status(bot: GatewayClient) -> None:
    handle = bot.propose("BTC/USDT", "buy", "0.01", limit_price="40000")
    assert handle.cancel().state == "cancelled"
    assert bot.order(handle.id).state == "cancelled"
    assert bot.status().halt.halted is False
    with pytest.raises(NotFound):
        bot.order("ord_missing")


def test_a_wrong_secret_raises_unauthorized(served: Served) -> None:
    key_id = add(served.gw, "bot1", "producer").split(".")[0]
    with GatewayClient(served.url, f"{key_id}.wrong", retries=0) as client, \
            pytest.raises(Unauthorized):
        client.orders()


def test_the_async_client_proposes_and_waits(served: Served, desk: httpx.Client) -> None:
    credential = add(served.gw, "bot1", "producer")

    async def run() -> str:
        async with AsyncGatewayClient(served.url, credential) as client:
            order = await client.propose("BTC/USDT", "buy", "0.01", limit_price="40000")
            decide_later(desk, order.id, "approve", {})
            done = await client.wait(order.id, timeout=20)
            return done.state

    assert asyncio.run(run()) == "filled"


def test_a_bot_reads_its_own_scope_document_verified_and_a_wrong_pin_is_refused(
        bot: GatewayClient, served: Served) -> None:
    from gateway.adapters.signing_key import SigningKey
    from gateway.sdk import ScopeDocumentInvalid

    key = bot.scope_key()
    doc = bot.scope(public_key=key.public_key)  # pinned: verified against it

    assert (doc["producer"], doc["scope_version"]) == ("bot1", 1)
    assert doc["symbols"] == ["BTC/USDT", "ETH/USDT"]
    assert key.public_key == served.gw.signing_key.public_b64()
    stranger = SigningKey(Path(served.gw.settings.signing_key_path).parent / "other.key")
    with pytest.raises(ScopeDocumentInvalid, match="not by the trusted key"):
        bot.scope(public_key=stranger.public_b64())


async def test_the_async_client_reads_its_scope_document_too(served: Served) -> None:
    credential = add(served.gw, "bot9", "producer")
    async with AsyncGatewayClient(served.url, credential) as gw:
        doc = await gw.scope()

    assert doc["producer"] == "bot9"
