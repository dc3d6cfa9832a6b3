"""Halts of one symbol or one producer beside the global halt: refused at intake and at
approval, never claimed for sending, their waiting orders withdrawn and open ones cancelled,
listed in status, audited, lifted only by risk or admin, and kept across a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.adapters.store.uow import UnitOfWork
from gateway.api.app import create_app
from gateway.services import execution
from tests.fakes.exchange import FakeExchange
from tests.support import Desk, make_gateway, proposal, wait_for_state


@pytest.fixture
def venue() -> FakeExchange:
    return FakeExchange(fill_on_create=False)


@pytest.fixture
def desk(database_url: str, tmp_path: Path, venue: FakeExchange) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path, exchange=venue)) as d:
        yield d


def propose(desk: Desk, bot: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    r = desk.client.post("/v1/orders", json=proposal(**kw), headers=bot or desk.bot)
    assert r.status_code == 201, r.text
    return dict(r.json())


def approve(desk: Desk, order: dict[str, Any]) -> Any:
    return desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)


def halt(desk: Desk, who: dict[str, str] | None = None, **body: str) -> Any:
    return desk.client.post("/v1/halt", json={"reason": "drill", **body},
                            headers=who or desk.risk)


def state(desk: Desk, order: dict[str, Any]) -> str:
    return str(desk.client.get(f"/v1/orders/{order['id']}", headers=desk.trader).json()["state"])


def test_a_symbol_halt_refuses_that_symbol_only_and_says_which_halt(desk: Desk) -> None:
    r = halt(desk, symbol="BTC/USDT", reason="BTC feed broken")
    assert r.status_code == 200, r.text
    assert (r.json()["scope"], r.json()["target"]) == ("symbol", "BTC/USDT")

    refused = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot)
    assert refused.status_code == 503
    err = refused.json()["error"]
    assert err["details"] == {"reason": "BTC feed broken", "scope": "symbol",
                              "target": "BTC/USDT"}
    assert "trading for symbol BTC/USDT is halted" in err["message"]
    eth = propose(desk, symbol="ETH/USDT", quantity="1", limit_price="2000")
    assert approve(desk, eth).status_code == 200
    assert wait_for_state(desk.client, desk.trader, eth["id"], {"submitted"})["state"] == \
        "submitted"


def test_a_producer_halt_stops_that_producer_and_not_the_others(desk: Desk) -> None:
    assert halt(desk, producer="bot1", reason="bot1 loops").status_code == 200

    r = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot)
    assert r.status_code == 503
    assert r.json()["error"]["details"]["target"] == "bot1"
    other = propose(desk, desk.bot2, quantity="0.01")
    assert approve(desk, other).status_code == 200


def test_a_scoped_halt_withdraws_waiting_orders_in_its_scope_and_cancels_open_ones(
        desk: Desk, venue: FakeExchange) -> None:
    btc_open = [propose(desk, quantity=q) for q in ("0.01", "0.03")]
    for order in btc_open:
        approve(desk, order)
        wait_for_state(desk.client, desk.trader, order["id"], {"submitted"})
    eth_open = propose(desk, symbol="ETH/USDT", quantity="1", limit_price="2000")
    approve(desk, eth_open)
    wait_for_state(desk.client, desk.trader, eth_open["id"], {"submitted"})
    btc_pending = propose(desk, quantity="0.02")
    eth_pending = propose(desk, symbol="ETH/USDT", quantity="2", limit_price="2000")

    assert halt(desk, symbol="BTC/USDT").status_code == 200

    for order in btc_open:
        assert wait_for_state(desk.client, desk.trader, order["id"], {"cancelled"})[
            "state"] == "cancelled"
    withdrawn = wait_for_state(desk.client, desk.trader, btc_pending["id"], {"cancelled"})
    assert withdrawn["reason"] == "withdrawn: trading for symbol BTC/USDT is halted: drill"
    assert (state(desk, eth_open), state(desk, eth_pending)) == ("submitted", "pending_approval")
    assert approve(desk, btc_pending).status_code == 503
    # Only BTC/USDT was ours and open there: one cancel-all call did it.
    assert venue.cancel_alls == ["BTC/USDT"]


def test_status_lists_every_halt_with_who_when_why_and_what_is_open(desk: Desk) -> None:
    order = propose(desk, symbol="ETH/USDT", quantity="1", limit_price="2000")
    approve(desk, order)
    wait_for_state(desk.client, desk.trader, order["id"], {"submitted"})
    halt(desk, symbol="BTC/USDT", reason="one")
    halt(desk, producer="bot2", reason="two")

    status = desk.client.get("/v1/status", headers=desk.trader).json()

    assert status["halt"]["halted"] is False
    assert [(h["scope"], h["target"], h["reason"], h["actor"]) for h in status["halts"]] == [
        ("symbol", "BTC/USDT", "one", "operator:risk1"),
        ("producer", "bot2", "two", "operator:risk1")]
    assert all(h["since"] for h in status["halts"])
    assert status["open_at_venue"] == [{"symbol": "ETH/USDT", "sending": 0, "submitted": 1,
                                        "partially_filled": 0}]
    events = desk.client.get("/v1/audit", params={"kind": "halt."},
                             headers=desk.trader).json()["events"]
    assert [(e["kind"], e["payload"]["scope"], e["payload"]["target"]) for e in events] == [
        ("halt.set", "symbol", "BTC/USDT"), ("halt.set", "producer", "bot2")]


def test_resuming_needs_risk_or_admin_and_lifts_only_the_scope_named(desk: Desk) -> None:
    halt(desk, symbol="BTC/USDT")
    halt(desk)
    body = {"reason": "clear", "symbol": "BTC/USDT"}

    assert desk.client.post("/v1/resume", json=body, headers=desk.trader).status_code == 403
    r = desk.client.post("/v1/resume", json=body, headers=desk.risk)
    assert r.status_code == 200, r.text
    assert (r.json()["halted"], r.json()["scope"]) == (False, "symbol")

    status = desk.client.get("/v1/status", headers=desk.trader).json()
    assert status["halt"]["halted"] is True and status["halts"] == []
    again = desk.client.post("/v1/resume", json=body, headers=desk.risk)
    assert again.status_code == 409
    assert "halted now: all trading" in again.json()["error"]["message"]


def test_a_halt_of_an_unknown_symbol_or_producer_is_refused_rather_than_halting_nothing(
        desk: Desk) -> None:
    assert halt(desk, symbol="BTC/USD").status_code == 404
    assert halt(desk, producer="nobody").status_code == 404
    both = halt(desk, symbol="BTC/USDT", producer="bot1")
    assert both.status_code == 422
    assert both.json()["error"]["field"] == "producer"
    assert desk.client.get("/v1/status", headers=desk.trader).json()["halts"] == []


def test_a_producer_cannot_halt_and_a_trader_can(desk: Desk) -> None:
    assert halt(desk, desk.bot).status_code == 403
    assert halt(desk, desk.trader, symbol="BTC/USDT").status_code == 200


def test_scoped_and_global_halts_survive_a_restart(database_url: str, tmp_path: Path) -> None:
    with Desk(make_gateway(database_url, tmp_path)) as desk:
        halt(desk, symbol="ETH/USDT", reason="eth")
        halt(desk, reason="all")
        token = desk.risk

    again = make_gateway(database_url, tmp_path / "restart")
    with TestClient(create_app(again)) as client:
        status = client.get("/v1/status", headers=token).json()

    assert (status["halt"]["halted"], status["halt"]["reason"]) == (True, "all")
    assert [(h["target"], h["reason"]) for h in status["halts"]] == [("ETH/USDT", "eth")]


def test_the_claim_never_takes_an_approved_order_a_halt_stops(database_url: str,
                                                             tmp_path: Path) -> None:
    gw = make_gateway(database_url, tmp_path)
    # No executor: approved orders wait, so the claim itself is what is under test.
    desk = Desk(gw, run_executor=False)
    with desk:
        btc, eth, bot2 = (propose(desk, quantity="0.01"),
                          propose(desk, symbol="ETH/USDT", quantity="1", limit_price="2000"),
                          propose(desk, desk.bot2, symbol="ETH/USDT", quantity="2",
                                  limit_price="2000"))
        for order in (btc, eth, bot2):
            assert approve(desk, order).status_code == 200
        halt(desk, symbol="BTC/USDT")
        halt(desk, producer="bot2")

        def claim(uow: UnitOfWork) -> list[str]:
            return [o.id for o in execution.claim(uow, *uow.limits(), "test")]

        assert desk.client.portal is not None
        assert desk.client.portal.call(gw.writer.run, claim) == [eth["id"]]
        later = propose(desk, symbol="ETH/USDT", quantity="1", limit_price="2000")
        assert approve(desk, later).status_code == 200
        halt(desk)
        assert desk.client.portal.call(gw.writer.run, claim) == []
        assert [state(desk, o) for o in (btc, bot2, later)] == ["approved"] * 3
