"""docs/deploy.md, tested: two `gateway serve` processes on one PostgreSQL database and one
venue behave as one gateway. An order proposed on A is approved on B and filled, and the
reverse; an event stream on either process sees what the other committed; the venue holds
exactly one order per approval."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from gateway.sdk import ProducerAuth
from tests.e2e.serve_support import EventStream, Serve, register, venue_env, wait_state
from tests.venue import LocalVenue


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


def test_two_processes_drive_one_lifecycle_each_way_and_stream_each_others_events(
        pg_database: str, venue: LocalVenue, tmp_path: Path) -> None:
    bot, trader = register(pg_database, ("bot", "producer"), ("tina", "trader"))
    env = venue_env(pg_database, venue, tmp_path)
    a = Serve(env, tmp_path / "a.log").start()
    b = Serve(env, tmp_path / "b.log").start()
    streams = {a.url: EventStream(a.url, trader), b.url: EventStream(b.url, trader)}
    try:
        for proposer, approver in ((a, b), (b, a)):
            with httpx.Client(base_url=proposer.url, auth=ProducerAuth(bot)) as c:
                ask = Decimal(next(p["ask"] for p in c.get("/v1/prices").json()["prices"]
                                   if p["symbol"] == "BTC/USDT"))
                r = c.post("/v1/orders", json={
                    "symbol": "BTC/USDT", "side": "buy", "type": "limit", "quantity": "0.001",
                    "idempotency_key": uuid.uuid4().hex,
                    "limit_price": str((ask * Decimal("1.005")).quantize(Decimal("0.01")))})
                assert r.status_code == 201, r.text
                order = r.json()
            # The approver's stream sees the proposal committed by the other process.
            streams[approver.url].wait_for(order["id"], "order.queued")
            with httpx.Client(base_url=approver.url,
                              headers={"Authorization": f"Bearer {trader}"}) as c:
                r = c.post(f"/v1/orders/{order['id']}/approve",
                           json={"version": order["version"]})
                assert r.status_code == 200, r.text
            # ... and the proposer's stream sees the approval committed by the approver.
            streams[proposer.url].wait_for(order["id"], "order.approved")
            for stream in streams.values():
                stream.wait_for(order["id"], "order.filled")
            done = wait_state(proposer.url, trader, order["id"], {"filled"})
            cid = "gg-" + order["id"].removeprefix("ord_")
            [at_venue] = venue.orders_for(cid)  # sent by exactly one of the two
            assert at_venue.status == "FILLED"
            assert Decimal(done["filled_quantity"]) == Decimal("0.001")
        assert venue.creates() == 2
    finally:
        for s in streams.values():
            s.close()
        codes = [a.stop(), b.stop()]
    assert codes == [0, 0], (tmp_path / "a.log").read_text()[-2000:]
