"""The whole gateway on the ccxt adapter against the local venue (SQLite and PostgreSQL):
each approved order reaches the venue exactly once whatever the network does, fills move
positions, reconciliation audits mismatches, and an unreachable venue stops trading."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.services import approvals, queries
from gateway.services.tracker import Tracked
from tests.support import Desk, make_gateway, proposal, wait_for_state
from tests.venue import LocalVenue, ccxt_exchange

ORDER = "/api/v3/order"
LIVE = {"submitted", "partially_filled", "filled", "failed", "cancelled"}


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


@pytest.fixture
def desk(database_url: str, tmp_path: Path, venue: LocalVenue) -> Iterator[Desk]:
    gw = make_gateway(database_url, tmp_path, exchange=ccxt_exchange(venue, timeout_ms=400))
    with Desk(gw) as d:
        yield d


@pytest.fixture
def lite(tmp_path: Path, venue: LocalVenue) -> Iterator[Desk]:
    """SQLite only: the fault matrix exercises the executor, not the database."""
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path,
                      exchange=ccxt_exchange(venue, timeout_ms=400))
    with Desk(gw) as d:
        yield d


def approve(desk: Desk, **overrides: Any) -> dict[str, Any]:
    order = desk.client.post("/v1/orders", json=proposal(**overrides), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/approve",
                         json={"version": order["version"]}, headers=desk.trader)
    assert r.status_code == 200, r.text
    return dict(order)


def kinds(desk: Desk, order_id: str | None = None, kind: str | None = None) -> list[str]:
    params = {k: v for k, v in {"order_id": order_id, "kind": kind}.items() if v}
    events = desk.client.get("/v1/audit", params=params, headers=desk.trader).json()["events"]
    return [e["kind"] for e in events]


def reach(desk: Desk) -> list[str]:
    return [k for k in kinds(desk, kind="venue.") if k.endswith("reachable")]


def cid(order: dict[str, Any]) -> str:
    return "gg-" + str(order["id"]).removeprefix("ord_")


def test_approved_order_rests_then_partial_and_full_fills_move_the_position(
        desk: Desk, venue: LocalVenue) -> None:
    order = approve(desk)  # buy 0.1 @ 40000: below the ask, it rests
    seen = wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert seen["state"] == "submitted"
    assert seen["venue_order_id"] == str(venue.order(cid(order)).order_id)

    venue.book.fill(venue.order(cid(order)), Decimal("0.04"), Decimal("39990"))
    part = wait_for_state(desk.client, desk.trader, order["id"], {"partially_filled"})
    assert Decimal(part["filled_quantity"]) == Decimal("0.04")
    venue.book.fill(venue.order(cid(order)), Decimal("0.06"))
    done = wait_for_state(desk.client, desk.trader, order["id"], {"filled"})
    assert Decimal(done["average_fill_price"]) == Decimal("39996")  # (0.04*39990+0.06*40000)/0.1
    assert Decimal(done["fees"]) == Decimal("3.9996")  # 0.1 % of 3999.6
    positions = desk.client.get("/v1/positions", headers=desk.trader).json()["positions"]
    assert [(p["symbol"], Decimal(p["quantity"])) for p in positions] == [
        ("BTC/USDT", Decimal("0.1"))]
    assert kinds(desk, order["id"]).count("order.fill") == 2
    assert venue.creates() == 1


def test_following_reads_each_open_order_as_it_is_stored(desk: Desk, venue: LocalVenue) -> None:
    # The follow beat reads five columns instead of whole orders: the same orders, the same
    # values (filled quantity, state, client order id), on SQLite and PostgreSQL.
    first, second = approve(desk), approve(desk, quantity="0.2")
    for order in (first, second):
        wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    venue.book.fill(venue.order(cid(first)), Decimal("0.04"), Decimal("39990"))
    wait_for_state(desk.client, desk.trader, first["id"], {"partially_filled"})
    whole = queries.open_venue_orders(desk.gw.engine)
    assert queries.tracked_venue_orders(desk.gw.engine) == [
        Tracked(o.id, o.symbol, o.client_order_id, o.state, o.filled_quantity) for o in whole]
    assert {(o.id, o.filled_quantity) for o in whole} == {
        (first["id"], Decimal("0.04")), (second["id"], Decimal(0))}


@pytest.mark.parametrize("fault", [
    {"kind": "delay", "seconds": 2},                  # timeout after the venue accepted
    {"kind": "drop"},                                 # reply lost after accept
    {"kind": "status", "status": 502, "after_accept": True},
])
def test_send_with_a_lost_reply_is_resolved_by_client_id_never_resent(
        lite: Desk, venue: LocalVenue, fault: dict[str, Any]) -> None:
    desk = lite
    venue.inject("POST", ORDER, **fault)
    order = approve(desk)
    seen = wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert seen["state"] == "submitted"
    assert len(venue.orders_for(cid(order))) == 1
    assert venue.creates() == 1  # asked, never re-sent


@pytest.mark.parametrize("fault", [
    {"kind": "status", "status": 503, "after_accept": False},
    {"kind": "status", "status": 429, "after_accept": False},
    {"kind": "drop", "after_accept": False},
])
def test_send_the_venue_never_saw_is_looked_up_then_resent_under_the_same_client_id(
        lite: Desk, venue: LocalVenue, fault: dict[str, Any]) -> None:
    desk = lite
    venue.inject("POST", ORDER, **fault)
    order = approve(desk)
    seen = wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert seen["state"] == "submitted"
    assert len(venue.orders_for(cid(order))) == 1
    assert venue.creates() == 2
    trail = kinds(desk, order["id"])
    assert trail.count("order.sending") == 2 and "order.failed" not in trail


def test_after_a_429_no_venue_call_at_all_until_the_back_off_asked_for_is_over(
        lite: Desk, venue: LocalVenue) -> None:
    desk = lite
    fault = venue.inject("POST", ORDER, "status", status=429, after_accept=False,
                         retry_after=3600)
    order = approve(desk)
    assert fault.hit.wait(timeout=15)
    executor = desk.gw.executor
    deadline = time.monotonic() + 15
    while not executor.health.backing_off and time.monotonic() < deadline:
        time.sleep(0.01)  # the 429 reaches the executor
    assert executor.health.backoff_until - time.monotonic() > 3000
    assert desk.client.portal is not None
    desk.client.portal.call(executor.step)  # a ticker sent just before the 429 has landed
    seen = len(venue.http.requests)
    for _ in range(3):  # sending, tracking, resolving, probing, prices: all wait
        desk.client.portal.call(executor.step)
    assert len(venue.http.requests) == seen
    assert desk.client.get(f"/v1/orders/{order['id']}", headers=desk.trader).json()[
        "state"] == "sending"

    executor.health.backoff_until = 0.0  # the hour is up
    seen_state = wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert seen_state["state"] == "submitted" and venue.creates() == 2  # looked up, resent
    assert len(venue.orders_for(cid(order))) == 1


def test_insufficient_funds_fails_the_order_with_the_venues_reason(
        lite: Desk, venue: LocalVenue) -> None:
    desk = lite
    with venue.book.lock:
        venue.book.free["USDT"] = Decimal("100")
    order = approve(desk)
    seen = wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert seen["state"] == "failed"
    assert "insufficient balance" in seen["reason"]


def test_cancel_all_open_cancels_at_the_venue_and_in_the_gateway(
        desk: Desk, venue: LocalVenue) -> None:
    order = approve(desk)
    wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    assert desk.client.portal is not None
    assert desk.client.portal.call(desk.gw.executor.cancel_all_open) == 1
    assert venue.order(cid(order)).status == "CANCELED"
    seen = desk.client.get(f"/v1/orders/{order['id']}", headers=desk.trader).json()
    assert seen["state"] == "cancelled"


def test_reconciliation_audits_an_order_open_at_the_venue_that_the_gateway_did_not_place(
        desk: Desk, venue: LocalVenue) -> None:
    venue.book.create({"symbol": "ETHUSDT", "side": "SELL", "type": "LIMIT",
                       "quantity": "1", "price": "2500", "newClientOrderId": "manual-1"})
    assert desk.client.portal is not None
    assert desk.client.portal.call(desk.gw.executor.reconcile) == 1
    assert desk.client.portal.call(desk.gw.executor.reconcile) == 1  # audited once only
    events = desk.client.get("/v1/audit", params={"kind": "venue.mismatch"},
                             headers=desk.trader).json()["events"]
    assert [e["payload"]["kind"] for e in events] == ["foreign_open_order"]
    assert events[0]["payload"]["client_order_id"] == "manual-1"


def test_unreachable_venue_halts_trading_then_cancels_open_orders_once_it_answers(
        desk: Desk, venue: LocalVenue) -> None:
    order = approve(desk)
    wait_for_state(desk.client, desk.trader, order["id"], LIVE)
    desk.gw.executor.health.down_after_s = 0.2
    venue.http.down = True
    deadline = time.monotonic() + 15
    while not (status := desk.client.get("/v1/status", headers=desk.trader).json())["halt"][
            "halted"] and time.monotonic() < deadline:
        time.sleep(0.02)  # bounded polling: the executor probes the venue on its own
    assert "venue unreachable" in status["halt"]["reason"]
    venue.http.down = False
    seen = wait_for_state(desk.client, desk.trader, order["id"], {"cancelled"})
    assert seen["state"] == "cancelled"
    assert venue.order(cid(order)).status == "CANCELED"
    # "reachable" is written after the cancel commits, so the order may be seen first.
    deadline = time.monotonic() + 15
    while len(seen_kinds := reach(desk)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen_kinds == ["venue.unreachable", "venue.reachable"]


def test_two_gateways_on_one_database_send_each_approved_order_exactly_once(
        database_url: str, tmp_path: Path, venue: LocalVenue) -> None:
    first = make_gateway(database_url, tmp_path, exchange=ccxt_exchange(venue))
    second = make_gateway(database_url, tmp_path, exchange=ccxt_exchange(venue))
    with Desk(first) as desk, TestClient(create_app(second)):  # both executors run
        orders = [desk.client.post("/v1/orders", json=proposal(quantity="0.01"),
                                   headers=desk.bot).json() for _ in range(8)]
        # Approved without a claim (as by a process whose executor is off): both claim
        # loops race for them.
        assert desk.client.portal is not None
        for order in orders:
            desk.client.portal.call(first.writer.run, lambda uow, oid=order["id"]: (
                approvals.approve(uow, oid, "trader1", None, *uow.limits())))
        for order in orders:
            assert wait_for_state(desk.client, desk.trader, order["id"], LIVE)[
                "state"] == "submitted"
    assert venue.creates() == 8
    assert all(len(venue.orders_for(cid(o))) == 1 for o in orders)


def test_credentials_never_reach_logs_audit_or_api(
        tmp_path: Path, venue: LocalVenue, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.bootstrap import make_exchange
    from gateway.ports.clock import SystemClock
    from gateway.settings import Settings
    from tests.venue import API_KEY, SECRET

    secrets = tmp_path / "venue.json"
    secrets.write_text(f'{{"apiKey": "{API_KEY}", "secret": "{SECRET}"}}')
    monkeypatch.setenv("GATEWAY_CCXT_SECRETS_FILE", str(secrets))
    exchange = make_exchange(Settings(venue="ccxt", ccxt_api_url=venue.url,
                                      ccxt_timeout_ms=400), SystemClock())
    caplog.set_level("DEBUG")
    venue.inject("POST", ORDER, "drop")  # an error path too: its messages must be clean
    with Desk(make_gateway(f"sqlite:///{tmp_path}/g.db", tmp_path, exchange=exchange)) as desk:
        order = approve(desk)
        assert wait_for_state(desk.client, desk.trader, order["id"], LIVE)[
            "state"] == "submitted"
        seen = [desk.client.get(path, headers=desk.trader).text
                for path in ("/v1/audit?limit=1000", "/v1/status", f"/v1/orders/{order['id']}")]
    for text in [caplog.text, *seen, repr(exchange)]:
        assert API_KEY not in text and SECRET not in text
