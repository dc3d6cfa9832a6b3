"""An approval claims the order for sending in its own transaction and the approving process
sends it as soon as that commits (real ccxt client, local venue; SQLite and PostgreSQL):
one durable commit before the venue call, the same checks, still exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.services import approvals
from tests.support import Desk, make_gateway, proposal, wait_for_state
from tests.venue import LocalVenue, ccxt_exchange

LIVE = {"submitted", "partially_filled", "filled", "failed", "cancelled"}


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


@pytest.fixture
def desk(database_url: str, tmp_path: Path, venue: LocalVenue) -> Iterator[Desk]:
    gw = make_gateway(database_url, tmp_path, exchange=ccxt_exchange(venue, timeout_ms=400))
    with Desk(gw) as d:
        deadline = time.monotonic() + 15
        while not gw.executor.ready and time.monotonic() < deadline:
            time.sleep(0.01)  # the executor settles what an earlier run left, then sends
        yield d


def propose(desk: Desk) -> dict[str, Any]:
    r = desk.client.post("/v1/orders", json=proposal(limit_price="39900"), headers=desk.bot)
    assert r.status_code == 201, r.text
    return dict(r.json())


def trail(desk: Desk, order_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = desk.client.get(
        "/v1/audit", params={"order_id": order_id}, headers=desk.trader).json()["events"]
    return events


def cid(order: dict[str, Any]) -> str:
    return "gg-" + str(order["id"]).removeprefix("ord_")


def test_approval_and_claim_commit_together_then_the_order_is_sent_once(
        desk: Desk, venue: LocalVenue) -> None:
    order = propose(desk)
    r = desk.client.post(f"/v1/orders/{order['id']}/approve",
                         json={"version": order["version"]}, headers=desk.trader)
    assert r.status_code == 200 and r.json()["state"] == "sending"
    assert wait_for_state(desk.client, desk.trader, order["id"], LIVE)["state"] == "submitted"

    events = {e["kind"]: e for e in trail(desk, order["id"])}
    approved, sending = events["order.approved"], events["order.sending"]
    assert sending["seq"] == approved["seq"] + 1 and sending["ts"] == approved["ts"]
    assert sending["payload"]["limits_version"] == approved["payload"]["limits_version"]
    assert len(venue.orders_for(cid(order))) == 1 and venue.creates() == 1


def test_while_the_venue_asks_us_to_back_off_an_approval_only_approves(
        desk: Desk, venue: LocalVenue) -> None:
    desk.gw.executor.health.backoff_until = time.monotonic() + 3600
    order = propose(desk)
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert venue.creates() == 0

    desk.gw.executor.health.backoff_until = 0.0  # the back-off is over: the loop claims it
    desk.gw.executor.wake()
    assert wait_for_state(desk.client, desk.trader, order["id"], LIVE)["state"] == "submitted"
    assert venue.creates() == 1


def test_a_trader_who_goes_away_mid_approval_does_not_strand_the_claimed_order(
        desk: Desk, venue: LocalVenue) -> None:
    order = propose(desk)
    executor = desk.gw.executor

    async def approve_then_disconnect() -> None:
        task = asyncio.create_task(executor.decide_and_send(
            order["id"], lambda uow, send_by: approvals.approve(
                uow, order["id"], "trader1", None, *uow.limits(), send_by=send_by)))
        await asyncio.sleep(0)  # the approval job is with the writer
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert desk.client.portal is not None
    desk.client.portal.call(approve_then_disconnect)
    seen = wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert seen["state"] == "submitted" and venue.creates() == 1
    kinds = [e["kind"] for e in trail(desk, order["id"])]
    assert kinds.count("order.sending") == 1  # sent by the approver, not re-claimed later
