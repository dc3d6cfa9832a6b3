"""Crash between send and acknowledgment: `gateway serve` on the ccxt adapter is killed
(SIGKILL) after the local venue accepted an order but before its reply arrived. A restarted
gateway (a new instance) must resolve the order by its client id: the venue holds exactly
one order and the gateway's record matches it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.bootstrap import build
from gateway.sdk import ProducerAuth
from gateway.settings import Settings
from tests.fakes.exchange import FakeExchange
from tests.servers import GATEWAY, REPO, free_port
from tests.support import add
from tests.venue import API_KEY, SECRET, LocalVenue


class Gateway:
    def __init__(self, tmp: Path, venue: LocalVenue) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gw.db",
                    "GATEWAY_LIMITS": str(REPO / "limits.yaml"), "GATEWAY_URL": self.url,
                    "GATEWAY_VENUE": "ccxt", "GATEWAY_CCXT_EXCHANGE": "binance",
                    "GATEWAY_CCXT_API_URL": venue.url, "GATEWAY_CCXT_API_KEY": API_KEY,
                    "GATEWAY_CCXT_SECRET": SECRET, "GATEWAY_CCXT_TIMEOUT_MS": "30000",
                    "GATEWAY_UNKNOWN_GRACE_S": "0"}
        self.env.pop("GATEWAY_TOKEN", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def register(self) -> tuple[str, str]:
        """A producer and a trader, written in-process (the CLI path has its own e2e test)."""
        settings = Settings(database_url=self.env["GATEWAY_DATABASE_URL"],
                            limits_path=REPO / "limits.yaml", paper_state=None)
        gw = build(settings, exchange=FakeExchange())
        try:
            # limits.yaml serves binance to a few jurisdictions only: both come from one.
            return (add(gw, "bot", "producer", "alice", jurisdiction="GB"),
                    add(gw, "tina", "trader", "tina", jurisdiction="GB"))
        finally:
            gw.engine.dispose()

    def start(self) -> None:
        self.proc = subprocess.Popen([*GATEWAY, "serve", "--port", str(self.port)],
                                     env=self.env, cwd=REPO, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "gateway serve exited during start-up"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("gateway serve did not come up")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


@pytest.fixture
def gateway(tmp_path: Path, venue: LocalVenue) -> Iterator[Gateway]:
    g = Gateway(tmp_path, venue)
    yield g
    if g.proc is not None and g.proc.poll() is None:
        g.proc.send_signal(signal.SIGINT)
        try:
            g.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            g.proc.kill()


def wait_order(client: httpx.Client, order_id: str, states: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while (order := client.get(f"/v1/orders/{order_id}").json())["state"] not in states:
        assert time.monotonic() < deadline, order
        time.sleep(0.05)
    return dict(order)


def test_gateway_killed_after_the_venue_accepted_resolves_to_exactly_one_order_on_restart(
        gateway: Gateway, venue: LocalVenue) -> None:
    bot, trader = gateway.register()
    gateway.start()
    bots = httpx.Client(base_url=gateway.url, auth=ProducerAuth(bot))
    desk = httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {trader}"})
    r = bots.post("/v1/orders", json={"symbol": "BTC/USDT", "side": "buy", "type": "limit",
                                      "quantity": "0.002", "limit_price": "39800"})  # rests
    assert r.status_code == 201, r.text
    order = r.json()

    held = venue.inject("POST", "/api/v3/order", "delay", seconds=60)  # accept, hold reply
    approved = desk.post(f"/v1/orders/{order['id']}/approve",
                         json={"version": order["version"]})
    assert approved.status_code == 200, approved.text
    assert held.hit.wait(timeout=30), "the gateway never sent the order"
    cid = "gg-" + order["id"].removeprefix("ord_")
    assert len(venue.orders_for(cid)) == 1
    assert desk.get(f"/v1/orders/{order['id']}").json()["state"] == "sending"

    gateway.kill()  # between the venue's accept and the gateway hearing of it
    held.release()
    gateway.start()  # a new process: a new instance id

    desk = httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {trader}"})
    seen = wait_order(desk, order["id"], {"submitted", "partially_filled", "filled",
                                          "failed", "cancelled", "approved"})
    assert seen["state"] == "submitted"
    [at_venue] = venue.orders_for(cid)
    assert seen["venue_order_id"] == str(at_venue.order_id)
    assert at_venue.status == "NEW" and at_venue.qty == Decimal(seen["quantity"])
    assert venue.creates() == 1  # resolved by asking, never re-sent
    trail = [e["kind"] for e in desk.get(
        "/v1/audit", params={"order_id": order["id"]}).json()["events"]]
    assert trail[-2:] == ["order.sending", "order.submitted"]

