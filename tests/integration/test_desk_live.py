"""The desk against the real gateway app, served by uvicorn on loopback (SQLite).

httpx's ASGITransport buffers whole responses, so it cannot carry the event stream: a
real server in a thread is the honest double here.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from textual.pilot import Pilot
from textual.widgets import Input

from gateway.api.app import create_app
from tests.support import add, make_gateway, proposal
from tests.unit.tui.harness import RecordingDesk, plain, queue_ids
from tui.app import DeskApp
from tui.client import DeskApi
from tui.feed import Backoff


@dataclass
class Served:
    url: str
    bot: str
    trader: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path)
    bot, trader = add(gw, "bot1", "producer"), add(gw, "trader1", "trader", "tina")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(gw), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield Served(f"http://127.0.0.1:{port}", bot, trader)
    # force_exit: a graceful exit would wait for the desk's open event stream.
    server.should_exit = server.force_exit = True
    thread.join(10)


class LiveDesk(RecordingDesk):
    def __init__(self, url: str, token: str) -> None:
        DeskApp.__init__(self, DeskApi(url, token), Backoff(initial=0.2, cap=0.5))
        self.notices = []


async def wait(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):  # a bound on polling, not a timing assertion
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened: {what}")


async def propose(served: Served, **overrides: Any) -> str:
    headers = {"Authorization": f"Bearer {served.bot}"}
    async with httpx.AsyncClient(base_url=served.url, headers=headers) as client:
        reply = await client.post("/v1/orders", json=proposal(**overrides))
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def test_desk_decides_orders_and_halts_against_the_real_gateway(served: Served) -> None:
    first = await propose(served)
    app = LiveDesk(served.url, served.trader)
    async with app.run_test(size=(150, 40)) as pilot:
        await wait(pilot, lambda: app.desk.state.queue_fresh and queue_ids(app) == [first], "q")
        assert "✔ max_position" in plain(app.desk.detail.content)

        second = await propose(served, symbol="ETH/USDT", quantity="1", limit_price="2000")
        await wait(pilot, lambda: second in queue_ids(app), "event-driven refresh")

        await pilot.press("a")  # the highlighted row is the first order (soonest expiry)
        await wait(pilot, lambda: queue_ids(app) == [second], "approved row leaves")
        assert app.said("Gateway state: approved")

        await pilot.press("d")
        await wait(pilot, lambda: len(app.screen_stack) > 1, "reason prompt")
        app.screen.query_one(Input).value = "too big"
        await pilot.press("enter")
        await wait(pilot, lambda: queue_ids(app) == [], "denied row leaves")

        await pilot.press("H")
        await wait(pilot, lambda: len(app.screen_stack) > 1, "halt prompt")
        app.screen.query_one(Input).value = "desk test"
        await pilot.press("enter")
        await wait(pilot, lambda: bool(app.desk.halt_banner.display), "halt banner")
        assert "operator:trader1" in plain(app.desk.halt_banner.content)

        await pilot.press("R")
        await wait(pilot, lambda: len(app.screen_stack) > 1, "resume prompt")
        app.screen.query_one(Input).value = "all clear"
        await pilot.press("enter")
        await wait(pilot, lambda: app.said("ask a risk officer or admin"), "403 explained")
