"""`gateway halt --flatten`: the halt first, then the plan, then a second confirmation typed
at a terminal (or --yes); without a terminal and without --yes the flatten is refused while
the halt stands."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.bootstrap import Gateway
from tests.fakes.exchange import FakeExchange
from tests.servers import GATEWAY, REPO, in_thread
from tests.signing_support import SignProducerBearer
from tests.support import add, auth, make_gateway, proposal


class Setup:
    def __init__(self, gw: Gateway, url: str) -> None:
        import httpx

        self.url = url
        self.trader = auth(add(gw, "tina", "trader"))
        self.risk = add(gw, "rita", "risk", "rita")
        self.client = httpx.Client(base_url=url, timeout=30)
        bot = auth(add(gw, "bot", "producer"))
        order = self.client.post("/v1/orders", json=proposal(quantity="0.2"), headers=bot,
                                 auth=SignProducerBearer()).json()
        self.client.post(f"/v1/orders/{order['id']}/approve", json={}, headers=self.trader)
        self.wait_position("0.2")
        self.env = {**os.environ, "GATEWAY_URL": url, "GATEWAY_TOKEN": self.risk}

    def position(self) -> str | None:
        held = self.client.get("/v1/positions", headers=self.trader).json()["positions"]
        return next((p["quantity"] for p in held if p["symbol"] == "BTC/USDT"), None)

    def wait_position(self, quantity: str) -> None:
        deadline = time.monotonic() + 30
        while self.position() != quantity:
            assert time.monotonic() < deadline, f"position never became {quantity}"
            time.sleep(0.05)

    def halted(self) -> bool:
        status = self.client.get("/v1/status", headers=self.trader).json()
        return bool(status["halt"]["halted"])


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    gw = make_gateway(f"sqlite:///{tmp_path}/gw.db", tmp_path, exchange=FakeExchange())
    with in_thread(gw) as (url, _):
        yield Setup(gw, url)


def test_without_a_terminal_or_yes_the_halt_stands_and_the_flatten_is_refused(
        setup: Setup) -> None:
    out = subprocess.run([*GATEWAY, "halt", "--reason", "stop", "--flatten"], env=setup.env,
                         cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=60)

    assert out.returncode == 2
    assert "second confirmation at a terminal, or --yes" in out.stderr
    assert setup.halted()
    assert setup.position() == "0.2"
    status = subprocess.run([*GATEWAY, "status"], env=setup.env, cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert "HALTED ALL TRADING since" in status.stdout and "by operator:rita: stop" in status.stdout
    assert "open at the venue: nothing" in status.stdout


def test_at_a_terminal_the_plan_is_shown_and_typing_flatten_sends_it(setup: Setup) -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen([*GATEWAY, "halt", "--reason", "stop", "--flatten"],
                            env=setup.env, cwd=REPO, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"to confirm:" not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                seen += os.read(master, 4096)
        assert b"sell" in seen and b"0.2" in seen and b"39800" in seen
        os.write(master, b"flatten\n")
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    setup.wait_position("0")
    assert setup.halted()
