"""End to end: `gateway desk` in a real terminal (tmux) against `gateway serve`; keys go in
with send-keys, the screen comes back with capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import httpx
import pytest

from gateway.sdk import ProducerAuth
from tests.e2e.test_serve_lifecycle import Server
from tests.servers import GATEWAY, REPO

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux server on its own socket, so nothing else's sessions are touched."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"gw-desk-{os.getpid()}-{tmp.name}"

    def tmux(self, *args: str) -> str:
        # -f /dev/null: no user configuration (it may pin the window size, among others).
        out = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                             capture_output=True,
                             text=True, timeout=10, check=True)
        return out.stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-s", "desk", "-x", "150", "-y", "42", command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "desk")

    def wait_for(self, condition: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + 30  # a bound on waiting, not a timing assertion
        while time.monotonic() < deadline:
            text = self.screen()
            if condition(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"never saw {what}; the screen was:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Server, Terminal]]:
    server, terminal = Server(tmp_path), Terminal(tmp_path)
    yield server, terminal
    terminal.close()
    if server.proc is not None and server.proc.poll() is None:
        server.proc.kill()


def test_desk_in_a_terminal_shows_the_order_and_approves_it(
    running: tuple[Server, Terminal],
) -> None:
    server, terminal = running
    bot = server.register("producers", "momentum-bot", "--principal", "alice")
    trader = server.register("operators", "tina", "--role", "trader")
    server.start()
    bot_api = httpx.Client(base_url=server.url, auth=ProducerAuth(bot))
    bid = Decimal(next(p["bid"] for p in bot_api.get("/v1/prices").json()["prices"]
                       if p["symbol"] == "BTC/USDT"))
    price = (bid * Decimal("0.999")).quantize(Decimal("0.01"), ROUND_DOWN)  # rests, no fill
    r = bot_api.post("/v1/orders", json={"symbol": "BTC/USDT", "side": "buy", "type": "limit",
                                         "quantity": "0.002", "limit_price": str(price),
                                         "rationale": "tmux breakout"})
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]

    env = {"GATEWAY_URL": server.url, "GATEWAY_TOKEN": trader}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # -u: the test process may carry COLUMNS/LINES, which would override the pane's size.
    terminal.start(f"cd {shlex.quote(str(REPO))} && "
                   f"env -u COLUMNS -u LINES {exports} {shlex.join(GATEWAY)} desk")

    screen = terminal.wait_for(lambda s: order_id in s and "✔" in s, "the order and its checks")
    assert "momentum-bot" in screen and "BUY 0.002 BTC/USDT" in screen
    assert "Pending approval: 1" in screen

    terminal.tmux("send-keys", "-t", "desk", "a")
    terminal.wait_for(lambda s: "Pending approval: 0" in s, "the approved row leaving")
    trader_api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {trader}"})
    order = trader_api.get(f"/v1/orders/{order_id}").json()
    assert order["state"] != "pending_approval" and order["approved_by"] == "tina"

    terminal.tmux("send-keys", "-t", "desk", "q")
    terminal.wait_for(lambda s: "Pending approval" not in s, "the desk closing")
    assert server.stop() == 0
