"""A price move on the paper venue pushes a position past its stop level: the gateway
switches the symbol to reduce-only and raises a protective exit at the top of the queue (or
sends it, when configured), and no bot can widen the position."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.paper import PaperExchange
from gateway.ports.clock import FakeClock
from gateway.services import stop_watch
from tests.support import LIMITS, Desk, make_gateway, proposal, wait_for_state

D = Decimal
STOP = LIMITS.replace('BTC/USDT: {max_position: "0.5", max_order_notional: "20000"}',
                      'BTC/USDT: {max_position: "0.5", max_order_notional: "20000", '
                      'stop_loss_share: "0.02"}')
AUTO = STOP + "stop_loss: {send_without_approval: true}\n"


class Floor:
    def __init__(self, database_url: str, tmp_path: Path, limits: str) -> None:
        # Near the paper feed's epoch, with a lively market: a 2% fall is a short walk away
        # along its (deterministic) price path.
        self.clock = FakeClock(datetime(2026, 1, 1, 0, 1, tzinfo=UTC))
        self.venue = PaperExchange(clock=self.clock, seed=11, volatility=D("0.002"),
                                   fill_fraction=D("1"))
        self.gw = make_gateway(database_url, tmp_path, limits=limits, exchange=self.venue,
                               clock=self.clock)
        self.desk = Desk(self.gw)

    def call(self, fn: Any, *args: Any) -> Any:
        return self.desk.client.portal.call(fn, *args)  # type: ignore[union-attr]

    def mid(self) -> Decimal:
        return D(self.desk.client.get("/v1/prices", headers=self.desk.trader).json()[
            "prices"][0]["mid"])

    def refresh(self) -> None:
        self.call(self.gw.prices.update, self.call(self.venue.fetch_ticker, "BTC/USDT"))

    def buy_and_fill(self, quantity: str) -> dict[str, Any]:
        self.refresh()
        price = (self.mid() * D("1.003")).quantize(D("0.01"))  # through the ask: fills at once
        order = self.desk.client.post("/v1/orders", json=proposal(quantity=quantity,
                                                                  limit_price=str(price)),
                                      headers=self.desk.bot).json()
        r = self.desk.client.post(f"/v1/orders/{order['id']}/approve", json={},
                                  headers=self.desk.trader)
        assert r.status_code == 200, r.text
        return wait_for_state(self.desk.client, self.desk.trader, order["id"], {"filled"})

    def fall_below(self, trigger: Decimal) -> Decimal:
        """Move time along the venue's own price path to the first mid at or below
        `trigger` (bounded: the walk is deterministic)."""
        feed, now = self.venue.feed, self.clock.now()
        for seconds in range(1, 200_000):
            if feed.price("BTC/USDT", now + _s(seconds)) <= trigger:
                self.clock.advance(seconds)
                self.refresh()
                return self.mid()
        raise AssertionError("the paper price path never fell that far")

    def queue(self) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = self.desk.client.get(
            "/v1/desk/queue", headers=self.desk.trader).json()["orders"]
        return orders

    def audit(self, kind: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.desk.client.get(
            "/v1/audit", params={"kind": kind}, headers=self.desk.trader).json()["events"]
        return events


def _s(seconds: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=seconds)


@pytest.fixture
def floor(database_url: str, tmp_path: Path) -> Iterator[Floor]:
    f = Floor(database_url, tmp_path, STOP)
    with f.desk:
        yield f


def position(f: Floor) -> dict[str, Any]:
    held = f.desk.client.get("/v1/positions", headers=f.desk.trader).json()["positions"]
    return next((p for p in held if p["symbol"] == "BTC/USDT"), {"quantity": "0"})


def test_a_price_fall_past_the_stop_raises_a_protective_exit_first_in_the_queue(
        floor: Floor) -> None:
    filled = floor.buy_and_fill("0.1")
    entry = D(position(floor)["average_price"])
    waiting = floor.desk.client.post("/v1/orders", json=proposal(
        quantity="0.01", limit_price=str(floor.mid().quantize(D("0.01")))),
        headers=floor.desk.bot2).json()  # a bot's buy, queued before the fall

    mid = floor.fall_below(entry * D("0.98"))
    floor.call(floor.gw.writer.run, stop_watch.tick)  # the watch looks every second anyway

    status = floor.desk.client.get("/v1/status", headers=floor.desk.trader).json()
    assert status["stopped_symbols"] == ["BTC/USDT"]
    queue = floor.queue()
    exit_order = queue[0]
    assert (exit_order["origin"], exit_order["producer"]) == ("system", "system:stop_loss")
    assert (exit_order["side"], D(exit_order["quantity"])) == ("sell", D(filled["quantity"]))
    assert D(exit_order["limit_price"]) <= mid  # marketable, and inside the collar:
    assert all(c["passed"] for c in floor.desk.client.get(
        f"/v1/orders/{exit_order['id']}", headers=floor.desk.trader).json()["checks"])
    assert waiting["id"] in [o["id"] for o in queue[1:]]
    [triggered] = floor.audit("stop_loss.triggered")
    assert D(triggered["payload"]["entry_price"]) == entry
    assert D(triggered["payload"]["reference_price"]) == mid
    assert D(triggered["payload"]["trigger_price"]) == entry * D("0.98")
    [raised] = floor.audit("stop_loss.exit_raised")
    assert raised["payload"]["orders"] == [exit_order["id"]]

    # A bot cannot widen the stopped position; the waiting buy cannot be approved either.
    widen = floor.desk.client.post("/v1/orders", json=proposal(
        quantity="0.01", limit_price=str(mid.quantize(D("0.01")))), headers=floor.desk.bot)
    assert widen.status_code == 422
    assert any(c["name"] == "stop_loss" and not c["passed"]
               for c in widen.json()["error"]["details"]["checks"])
    late = floor.desk.client.post(f"/v1/orders/{waiting['id']}/approve", json={},
                                  headers=floor.desk.trader)
    assert late.status_code == 422

    # The trader approves the exit; it fills on the paper venue and the position is flat.
    r = floor.desk.client.post(f"/v1/orders/{exit_order['id']}/approve", json={},
                               headers=floor.desk.trader)
    assert r.status_code == 200, r.text
    done = wait_for_state(floor.desk.client, floor.desk.trader, exit_order["id"], {"filled"})
    assert done["state"] == "filled"
    assert D(position(floor)["quantity"]) == 0
    # Still reduce-only until an operator clears it.
    assert floor.desk.client.get("/v1/status", headers=floor.desk.trader).json()[
        "stopped_symbols"] == ["BTC/USDT"]


def test_with_the_option_on_the_exit_is_sent_without_approval_and_fills(
        database_url: str, tmp_path: Path) -> None:
    floor = Floor(database_url, tmp_path, AUTO)
    with floor.desk:
        floor.buy_and_fill("0.1")
        entry = D(position(floor)["average_price"])
        floor.fall_below(entry * D("0.98"))

        raised = floor.call(floor.gw.writer.run, stop_watch.tick)
        floor.gw.executor.wake()

        ids = raised or floor.audit("stop_loss.exit_raised")[0]["payload"]["orders"]
        done = wait_for_state(floor.desk.client, floor.desk.trader, ids[0], {"filled"})
        assert done["state"] == "filled"
        assert done["approved_by"] == "system:stop_loss"
        assert floor.queue() == []  # never waited for a human
        assert D(position(floor)["quantity"]) == 0
        [event] = floor.audit("order.approved")[-1:]
        assert event["actor"] == "system:stop_loss"
        assert event["payload"]["without_approval"] is True
        assert "trigger_price" in event["payload"]


def test_a_position_within_its_level_raises_nothing(floor: Floor) -> None:
    floor.buy_and_fill("0.1")

    assert floor.call(floor.gw.writer.run, stop_watch.tick) == []
    assert floor.audit("stop_loss.triggered") == []
