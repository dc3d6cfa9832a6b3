"""A halt stops sending at once and cancels what is open at the venue, whether it came
through the API or was written straight to the database by `gateway halt` with the API
server down."""

from __future__ import annotations

from pathlib import Path

from gateway.adapters.store.writer import execute_batch
from gateway.ports.clock import SystemClock
from gateway.ports.exchange import VenueOrderStatus
from gateway.services import halt
from tests.fakes.exchange import FakeExchange
from tests.support import Desk, make_gateway, proposal, wait_for_state


def _open_order(desk: Desk) -> dict[str, object]:
    order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
    desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
    return wait_for_state(desk.client, desk.trader, str(order["id"]), {"submitted"})


def test_a_halt_through_the_api_cancels_open_venue_orders(database_url: str,
                                                          tmp_path: Path) -> None:
    venue = FakeExchange(fill_on_create=False)
    with Desk(make_gateway(database_url, tmp_path, exchange=venue)) as desk:
        order = _open_order(desk)
        assert order["state"] == "submitted"

        r = desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.risk)

        assert r.status_code == 200
        done = wait_for_state(desk.client, desk.trader, str(order["id"]), {"cancelled"})
        assert done["state"] == "cancelled"
        assert venue.orders[str(order["client_order_id"])].status is VenueOrderStatus.CANCELED


def test_a_halt_written_to_the_database_is_honoured_and_cancels(database_url: str,
                                                                tmp_path: Path) -> None:
    venue = FakeExchange(fill_on_create=False)
    gw = make_gateway(database_url, tmp_path, exchange=venue)
    with Desk(gw) as desk:
        order = _open_order(desk)
        pending = desk.client.post("/v1/orders", json=proposal(quantity="0.01"),
                                   headers=desk.bot).json()
        # As `gateway halt` does when the API is down: a transaction of its own.
        [(_, error)] = execute_batch(gw.engine, SystemClock(), {}, [
            lambda uow: halt.set_halt(uow, "operator:rita", "api hung")])
        assert error is None

        done = wait_for_state(desk.client, desk.trader, str(order["id"]), {"cancelled"})
        assert done["state"] == "cancelled"
        assert venue.orders[str(order["client_order_id"])].status is VenueOrderStatus.CANCELED
        # The pending order is withdrawn, not frozen: nothing decided before the halt waits
        # to be sent after it.
        withdrawn = wait_for_state(desk.client, desk.trader, str(pending["id"]), {"cancelled"})
        assert withdrawn["reason"] == "withdrawn: trading is halted: api hung"
        r = desk.client.post(f"/v1/orders/{pending['id']}/approve", json={},
                             headers=desk.trader)
        assert r.status_code == 503
        assert len(venue.creates) == 1  # nothing was sent after the halt
