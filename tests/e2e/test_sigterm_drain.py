"""SIGTERM in the middle of a burst of proposals and approvals: the process stops taking
proposals, parks the sends whose venue reply has not come back (and says so in its exit
status), and after a restart every order is in a consistent state with the venue: nothing
left `sending`, nothing sent twice, nothing at the venue the gateway does not know of."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from gateway.sdk import ProducerAuth
from tests.e2e.serve_support import Serve, register, venue_env
from tests.venue import LocalVenue

SENT = {"submitted", "partially_filled", "filled"}
NEVER_SENT = {"pending_approval", "approved", "denied", "rejected", "expired"}


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


def test_sigterm_during_a_burst_leaves_nothing_unresolved_after_restart(
        venue: LocalVenue, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/gw.db"
    bot, trader = register(url, ("bot", "producer"), ("tina", "trader"))
    env = {**venue_env(url, venue, tmp_path), "GATEWAY_SHUTDOWN_GRACE_S": "0.5",
           "GATEWAY_UNKNOWN_GRACE_S": "0"}
    gw = Serve(env, tmp_path / "serve.log").start()
    with httpx.Client(base_url=gw.url, auth=ProducerAuth(bot)) as c:
        ask = Decimal(next(p["ask"] for p in c.get("/v1/prices").json()["prices"]
                           if p["symbol"] == "BTC/USDT"))
    price = str((ask * Decimal("1.005")).quantize(Decimal("0.01")))
    # The venue accepts the first sends but holds its replies past the shutdown grace.
    held = [venue.inject("POST", "/api/v3/order", "delay", seconds=4) for _ in range(2)]
    stop = threading.Event()
    statuses: list[int] = []

    def propose() -> None:
        with httpx.Client(base_url=gw.url, auth=ProducerAuth(bot), timeout=30) as c:
            while not stop.is_set():
                try:
                    r = c.post("/v1/orders", json={
                        "symbol": "BTC/USDT", "side": "buy", "type": "limit",
                        "quantity": "0.001", "limit_price": price,
                        "idempotency_key": uuid.uuid4().hex})
                    statuses.append(r.status_code)
                except httpx.TransportError:
                    return  # the process stopped listening

    def approve() -> None:
        with httpx.Client(base_url=gw.url, timeout=30,
                          headers={"Authorization": f"Bearer {trader}"}) as c:
            while not stop.is_set():
                try:
                    for o in c.get("/v1/orders",
                                   params={"state": "pending_approval"}).json()["orders"]:
                        c.post(f"/v1/orders/{o['id']}/approve", json={"version": o["version"]})
                except (httpx.TransportError, KeyError, ValueError):
                    return

    threads = [threading.Thread(target=propose) for _ in range(3)]
    threads.append(threading.Thread(target=approve))
    for t in threads:
        t.start()
    try:
        for fault in held:
            assert fault.hit.wait(60), "the burst never reached the venue"
        assert gw.proc is not None
        code = gw.stop()
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    log = (tmp_path / "serve.log").read_text()
    assert code == 3, log[-3000:]  # the held sends were parked, and it says so
    assert "unresolved" in log
    assert statuses.count(201) >= 2 and set(statuses) <= {201, 422, 503}, statuses

    for fault in held:
        fault.release()
    again = Serve(env, tmp_path / "serve.log").start()
    try:
        with httpx.Client(base_url=again.url,
                          headers={"Authorization": f"Bearer {trader}"}) as c:
            deadline = time.monotonic() + 60
            while c.get("/v1/orders", params={"state": ["sending", "approved"]}).json()[
                    "orders"]:
                assert time.monotonic() < deadline, "orders still sending after restart"
                time.sleep(0.1)
            orders = c.get("/v1/orders", params={"limit": 1000}).json()["orders"]
    finally:
        assert again.stop() == 0
    ours = set()
    for o in orders:
        cid = "gg-" + o["id"].removeprefix("ord_")
        at_venue = venue.orders_for(cid)
        assert len(at_venue) <= 1, f"{o['id']} sent twice"
        if o["state"] in SENT:
            assert len(at_venue) == 1 and o["venue_order_id"] == str(at_venue[0].order_id)
            ours.add(cid)
        elif o["state"] in NEVER_SENT:
            assert not at_venue, f"{o['id']} is {o['state']} but at the venue"
    with venue.book.lock:
        assert {v.client_id for v in venue.book.orders.values()} == ours
    assert any(o["state"] == "filled" for o in orders)
