"""Two `gateway serve` processes on one PostgreSQL database race their claim loops for the
same approved orders: each order reaches the venue exactly once.

The orders are approved by a third party (a gateway without an executor, as an operator's
process would be), in small batches while both servers poll, so neither approval claims
them and both claim loops compete for every batch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from gateway.adapters.store.tables import orders
from gateway.bootstrap import build
from gateway.sdk import ProducerAuth
from gateway.services import approvals
from gateway.settings import Settings
from tests.e2e.serve_support import Serve, register, venue_env, wait_state
from tests.servers import REPO
from tests.venue import LocalVenue, ccxt_exchange

ORDERS = 18


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


async def approve_in_batches(database_url: str, venue: LocalVenue, ids: list[str]) -> None:
    settings = Settings(database_url=database_url, limits_path=REPO / "limits.yaml",
                        paper_state=None)
    gw = build(settings, exchange=ccxt_exchange(venue))
    await gw.start(run_executor=False)
    try:
        for at in range(0, len(ids), 3):
            await asyncio.gather(*(gw.writer.run(
                lambda uow, oid=oid: approvals.approve(uow, oid, "tina", None, *uow.limits()))
                for oid in ids[at:at + 3]))
            await asyncio.sleep(0.05)  # spread out: both servers poll in between
    finally:
        await gw.stop()


def test_two_processes_claiming_the_same_approved_orders_send_each_exactly_once(
        pg_database: str, venue: LocalVenue, tmp_path: Path) -> None:
    bot, trader = register(pg_database, ("bot", "producer"), ("tina", "trader"))
    env = venue_env(pg_database, venue, tmp_path)
    servers = [Serve(env, tmp_path / "a.log").start(), Serve(env, tmp_path / "b.log").start()]
    try:
        with httpx.Client(base_url=servers[0].url, auth=ProducerAuth(bot)) as c:
            ids = []
            for _ in range(ORDERS):
                r = c.post("/v1/orders", json={
                    "symbol": "BTC/USDT", "side": "buy", "type": "limit", "quantity": "0.001",
                    "limit_price": "39900", "idempotency_key": uuid.uuid4().hex})  # rests
                assert r.status_code == 201, r.text
                ids.append(r.json()["id"])
        asyncio.run(approve_in_batches(pg_database, venue, ids))
        for i, order_id in enumerate(ids):
            seen = wait_state(servers[i % 2].url, trader, order_id, {"submitted", "failed"})
            assert seen["state"] == "submitted", seen
    finally:
        for server in servers:
            server.stop()
    engine = create_engine(pg_database.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        claimers = dict(conn.execute(select(orders.c.id, orders.c.claimed_by)).all())
    engine.dispose()
    assert venue.creates() == ORDERS, claimers
    for order_id in ids:
        assert len(venue.orders_for("gg-" + order_id.removeprefix("ord_"))) == 1
    assert all(claimers[i] for i in ids)
