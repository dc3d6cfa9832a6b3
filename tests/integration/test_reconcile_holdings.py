"""Reconciling what the account holds (SQLite and PostgreSQL): a baseline is recorded at start,
the gateway's own fills keep it in step, and a balance moved behind its back is audited once,
shown in the status the desk reads, halts trading if configured, and is cleared by an
operator accepting the venue's holdings. The real ccxt client against the local venue, and
the paper venue."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.paper import PaperExchange
from gateway.ports.clock import SystemClock
from tests.support import Desk, make_gateway, proposal, wait_for_state
from tests.venue import LocalVenue, ccxt_exchange

FINAL = {"filled", "failed", "cancelled"}


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


def events(desk: Desk, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = desk.client.get(
        "/v1/audit", params={"kind": kind}, headers=desk.trader).json()["events"]
    return found


def until(what: Callable[[], bool], why: str) -> None:
    deadline = time.monotonic() + 15
    while not what():
        assert time.monotonic() < deadline, why
        time.sleep(0.02)  # a bound on waiting, not a timing check


def started(desk: Desk) -> Desk:
    """The executor's start-up reconciliation has recorded the baseline."""
    until(lambda: bool(events(desk, "venue.baseline")), "no baseline recorded at start")
    return desk


def reconcile(desk: Desk) -> int:
    assert desk.client.portal is not None
    return int(desk.client.portal.call(desk.gw.executor.reconcile))


def trade(desk: Desk, **overrides: Any) -> dict[str, Any]:
    order = desk.client.post("/v1/orders", json=proposal(**overrides), headers=desk.bot).json()
    r = desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
    assert r.status_code == 200, r.text
    return dict(order)


@pytest.fixture
def desk(database_url: str, tmp_path: Path, venue: LocalVenue) -> Iterator[Desk]:
    gw = make_gateway(database_url, tmp_path, exchange=ccxt_exchange(venue))
    with Desk(gw) as d:
        yield started(d)


def test_the_baseline_is_what_the_venue_held_when_tracking_began(
        desk: Desk, venue: LocalVenue) -> None:
    [baseline] = events(desk, "venue.baseline")
    held = {c: Decimal(v) for c, v in baseline["payload"]["holdings"].items()}
    assert held == {"BTC": Decimal("10"), "ETH": Decimal("100"), "SOL": Decimal("1000"),
                    "USDT": Decimal("1000000")}
    assert reconcile(desk) == 0


def test_the_gateways_own_partial_and_full_fills_with_fees_keep_holdings_in_step(
        desk: Desk, venue: LocalVenue) -> None:
    order = trade(desk, quantity="0.1", limit_price="39990")  # rests below the ask
    wait_for_state(desk.client, desk.trader, order["id"], {"submitted"})
    cid = "gg-" + order["id"].removeprefix("ord_")
    venue.book.fill(venue.order(cid), Decimal("0.04"), Decimal("39990"))
    wait_for_state(desk.client, desk.trader, order["id"], {"partially_filled"})
    assert reconcile(desk) == 0  # a resting, partly filled order: its locked funds count
    venue.book.fill(venue.order(cid), Decimal("0.06"))
    wait_for_state(desk.client, desk.trader, order["id"], {"filled"})
    sold = trade(desk, side="sell", quantity="0.05", limit_price="39700")  # fills at the bid
    assert wait_for_state(desk.client, desk.trader, sold["id"], FINAL)["state"] == "filled"
    assert reconcile(desk) == 0
    assert events(desk, "venue.mismatch") == []


def test_a_balance_moved_behind_the_gateways_back_is_audited_once_and_shown_to_operators(
        desk: Desk, venue: LocalVenue) -> None:
    with venue.book.lock:
        venue.book.free["USDT"] -= Decimal("250")  # a withdrawal the gateway knows nothing of
    assert reconcile(desk) == 1
    assert reconcile(desk) == 1
    [audited] = events(desk, "venue.mismatch")
    assert audited["payload"]["kind"] == "holdings_differ"
    assert audited["payload"]["currency"] == "USDT"
    assert Decimal(audited["payload"]["held"]) - Decimal(audited["payload"]["expected"]) == -250

    status = desk.client.get("/v1/status", headers=desk.trader).json()
    [shown] = status["venue_mismatches"]
    assert shown["currency"] == "USDT" and "off by -250" in shown["detail"]
    assert desk.client.get("/v1/status", headers=desk.bot).json()["venue_mismatches"] == []
    assert not status["halt"]["halted"]  # GATEWAY_RECONCILE_HALT is off by default


def test_an_operator_accepting_the_venues_holdings_clears_the_mismatch(
        desk: Desk, venue: LocalVenue) -> None:
    with venue.book.lock:
        venue.book.free["BTC"] += Decimal("1")  # a deposit
    assert reconcile(desk) == 1
    body = {"reason": "deposit of 1 BTC, ticket 42"}
    assert desk.client.post("/v1/venue/rebaseline", json=body,
                            headers=desk.trader).status_code == 403
    r = desk.client.post("/v1/venue/rebaseline", json=body, headers=desk.risk)
    assert r.status_code == 200 and Decimal(r.json()["previous"]["BTC"]) == 10
    assert reconcile(desk) == 0
    [reset] = events(desk, "venue.baseline_reset")
    assert reset["actor"] == "operator:risk1" and reset["reason"] == body["reason"]
    assert Decimal(events(desk, "venue.baseline")[-1]["payload"]["holdings"]["BTC"]) == 11
    assert len(events(desk, "venue.reconciled")) == 1
    assert desk.client.get("/v1/status", headers=desk.trader).json()["venue_mismatches"] == []


def test_with_halting_configured_a_holdings_mismatch_halts_trading(
        desk: Desk, venue: LocalVenue) -> None:
    desk.gw.executor.reconcile_halt = True  # GATEWAY_RECONCILE_HALT=1
    with venue.book.lock:
        venue.book.free["ETH"] -= Decimal("3")
    assert reconcile(desk) == 1
    halt = desk.client.get("/v1/status", headers=desk.trader).json()["halt"]
    assert halt["halted"] and "mismatch" in halt["reason"]


@pytest.fixture
def paper(database_url: str, tmp_path: Path) -> Iterator[tuple[Desk, PaperExchange]]:
    exchange = PaperExchange(clock=SystemClock())
    with Desk(make_gateway(database_url, tmp_path, exchange=exchange)) as d:
        yield started(d), exchange


def test_on_the_paper_venue_fills_keep_holdings_in_step_and_a_transfer_is_a_mismatch(
        paper: tuple[Desk, PaperExchange]) -> None:
    desk, exchange = paper
    mid = {p["symbol"]: Decimal(p["mid"]) for p in desk.client.get(
        "/v1/prices", headers=desk.trader).json()["prices"]}["BTC/USDT"]
    # Above the ask: it takes liquidity on arrival, then fills as the ask stays under it.
    bought = trade(desk, quantity="0.002", limit_price=str((mid * Decimal("1.005")).quantize(
        Decimal("0.01"))))
    assert wait_for_state(desk.client, desk.trader, bought["id"], FINAL,
                          timeout_s=60)["state"] == "filled"
    assert reconcile(desk) == 0
    assert desk.client.portal is not None
    desk.client.portal.call(exchange.transfer, "USDT", Decimal("-5"))
    assert reconcile(desk) == 1
    [m] = events(desk, "venue.mismatch")
    assert m["payload"]["currency"] == "USDT" and "off by -5" in m["reason"]
