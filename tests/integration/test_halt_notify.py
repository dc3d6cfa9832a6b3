"""Cross-process wake-ups on PostgreSQL: a halt committed anywhere, even straight to the
database as the CLI does with the API down, reaches every gateway process through
LISTEN/NOTIFY; so do other commits, for the event streams."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.notify import Listener
from gateway.adapters.store.writer import execute_batch
from gateway.api.app import create_app
from gateway.bootstrap import SAFETY_POLL_S
from gateway.ports.clock import SystemClock
from gateway.services import halt
from tests.fakes.exchange import FakeExchange
from tests.signing_support import SignProducerBearer
from tests.support import Desk, make_gateway, proposal, wait_for_state


def wait(event: threading.Event, what: str) -> None:
    assert event.wait(30), f"no {what} notification arrived"


def until(check: object, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_a_halt_written_straight_to_the_database_notifies_every_listener(
        pg_database: str) -> None:
    engine = make_engine(pg_database)
    ensure_current(engine)
    halted, committed = threading.Event(), threading.Event()
    listener = Listener(engine, committed.set, halted.set)
    listener.start()
    try:
        until(lambda: listener.healthy)
        wait(halted, "catch-up")  # on connecting it fires once: something may have been missed
        halted.clear()
        committed.clear()

        other = make_engine(pg_database)  # as the CLI does: its own engine and transaction
        [(_, error)] = execute_batch(other, SystemClock(), {}, [
            lambda uow: uow.audit.append(uow.now, "note", "test", reason="not a halt")])
        assert error is None
        wait(committed, "commit")
        assert not halted.is_set()

        [(_, error)] = execute_batch(other, SystemClock(), {}, [
            lambda uow: halt.set_halt(uow, "operator:rita", "api down")])
        assert error is None
        wait(halted, "halt")
        other.dispose()
    finally:
        listener.stop()
        engine.dispose()


def test_a_halt_through_one_process_cancels_what_another_process_sent(
        pg_database: str, tmp_path: Path) -> None:
    venue = FakeExchange(fill_on_create=False)
    first = make_gateway(pg_database, tmp_path / "a", exchange=venue)
    second = make_gateway(pg_database, tmp_path / "b", exchange=venue)
    woken = threading.Event()
    desk = Desk(first)
    # The first process only takes requests: sending and cancelling are the second's alone.
    desk.client = TestClient(create_app(first, run_executor=False))
    desk.client.auth = SignProducerBearer()
    with desk, TestClient(create_app(second)):
        second.on_commit(woken.set)
        order = desk.client.post("/v1/orders", json=proposal(), headers=desk.bot).json()
        assert woken.wait(30), "a commit in the first process did not reach the second"
        desk.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=desk.trader)
        wait_for_state(desk.client, desk.trader, order["id"], {"submitted"})

        r = desk.client.post("/v1/halt", json={"reason": "drill"}, headers=desk.risk)

        assert r.status_code == 200
        done = wait_for_state(desk.client, desk.trader, order["id"], {"cancelled"})
        assert done["state"] == "cancelled"
        assert second.listener is not None and second.listener.healthy
        assert second.events_poll_s == SAFETY_POLL_S  # LISTEN is up: polling is the safety net
