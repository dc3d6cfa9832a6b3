"""Flatten after a halt: reduce-only orders close positions and are the only orders a halt
lets through, each re-checked with reduce-only forced on in the claiming transaction."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.flatten import FlattenLeg
from gateway.domain.orders import Side
from gateway.services import flatten
from tests.fakes.exchange import FakeExchange
from tests.support import Desk, make_gateway, proposal, wait_for_state


@pytest.fixture
def venue() -> FakeExchange:
    return FakeExchange()  # fills every order at once


@pytest.fixture
def desk(database_url: str, tmp_path: Path, venue: FakeExchange) -> Iterator[Desk]:
    with Desk(make_gateway(database_url, tmp_path, exchange=venue)) as d:
        yield d


def buy(desk: Desk, quantity: str) -> None:
    order = desk.client.post("/v1/orders", json=proposal(quantity=quantity),
                             headers=desk.bot).json()
    desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
    assert wait_for_state(desk.client, desk.trader, order["id"], {"filled"})["state"] == "filled"


def positions(desk: Desk) -> dict[str, str]:
    held = desk.client.get("/v1/positions", headers=desk.trader).json()["positions"]
    return {p["symbol"]: p["quantity"] for p in held}


def flat(desk: Desk, **body: Any) -> Any:
    return desk.client.post("/v1/flatten", json={"reason": "close out", **body},
                            headers=desk.risk)


def test_flatten_closes_positions_despite_the_halt_and_nothing_else_is_sent(
        desk: Desk, venue: FakeExchange) -> None:
    buy(desk, "0.3")
    desk.client.post("/v1/halt", json={"reason": "stop"}, headers=desk.risk)

    plan = flat(desk, dry_run=True).json()
    assert plan["planned"] == [{"symbol": "BTC/USDT", "side": "sell", "quantity": "0.3",
                                "limit_price": "39800"}]
    assert plan["orders"] == [] and len(venue.creates) == 1  # a dry run sends nothing

    done = flat(desk).json()
    [order] = done["orders"]
    assert (order["producer"], order["state"], order["approved_by"]) == (
        "system:flatten", "approved", "risk1")
    assert wait_for_state(desk.client, desk.trader, order["id"], {"filled"})["state"] == "filled"
    assert positions(desk) == {"BTC/USDT": "0"}
    assert [(c.side, c.amount) for c in venue.creates] == [
        (Side.BUY, Decimal("0.3")), (Side.SELL, Decimal("0.3"))]
    sending = desk.client.get("/v1/audit", params={"order_id": order["id"],
                                                   "kind": "order.sending"},
                              headers=desk.trader).json()["events"]
    assert sending[0]["payload"]["flatten"] is True
    assert sending[0]["payload"]["despite_halts"] == ["all trading"]
    assert desk.client.post("/v1/orders", json=proposal(),
                            headers=desk.bot).status_code == 503  # still halted


def test_flatten_needs_a_halt_and_a_risk_or_admin_operator(desk: Desk) -> None:
    buy(desk, "0.1")
    assert flat(desk).status_code == 409  # not halted
    desk.client.post("/v1/halt", json={"reason": "stop", "symbol": "ETH/USDT"},
                     headers=desk.risk)
    assert flat(desk, symbol="BTC/USDT").status_code == 409  # that symbol is not halted
    trader = desk.client.post("/v1/flatten", json={"reason": "x"}, headers=desk.trader)
    assert trader.status_code == 403


def test_a_symbol_halt_allows_flattening_that_symbol(desk: Desk) -> None:
    buy(desk, "0.2")
    desk.client.post("/v1/halt", json={"reason": "stop", "symbol": "BTC/USDT"},
                     headers=desk.risk)

    [order] = flat(desk, symbol="BTC/USDT").json()["orders"]

    assert wait_for_state(desk.client, desk.trader, order["id"], {"filled"})["state"] == "filled"
    assert positions(desk) == {"BTC/USDT": "0"}


def test_a_flatten_order_that_no_longer_reduces_is_refused_at_the_claim(
        desk: Desk, venue: FakeExchange) -> None:
    desk.client.post("/v1/halt", json={"reason": "stop"}, headers=desk.risk)

    # No position at all: a sell would open a short. Planted as flatten would create it.
    def plant(uow: UnitOfWork) -> str:
        limits, version = uow.limits()
        leg = FlattenLeg("BTC/USDT", Side.SELL, Decimal("0.1"), Decimal("39800"))
        return flatten._create(uow, leg, "risk1", "planted", version, (), limits).id

    assert desk.client.portal is not None
    order_id = desk.client.portal.call(desk.gw.writer.run, plant)

    done = wait_for_state(desk.client, desk.trader, order_id, {"failed"})
    assert done["state"] == "failed"
    assert "reduce_only" in done["reason"]
    assert venue.creates == []
