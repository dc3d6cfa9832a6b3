"""`gateway halt` in the middle of a burst: three bots propose and a trader approves as fast
as they can, through a real server, with the real ccxt client against the local venue. Once
the command returns the venue receives no new order (read from the venue's own request log)
and every open order there is cancelled; everything still waiting is withdrawn."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import httpx

from tests.servers import GATEWAY, REPO, in_thread
from tests.signing_support import SignProducerBearer
from tests.support import add, auth, make_gateway, proposal
from tests.venue import LocalVenue, ccxt_exchange

LIMITS = """
max_order_notional: "25000"
quarantine: {max_limit_refusals: 100000}
symbols:
  BTC/USDT: {max_position: "50"}
  ETH/USDT: {max_position: "5000"}
"""
RESTING = {"BTC/USDT": "39700", "ETH/USDT": "1985"}  # under the ask, inside the collar
OPEN_BEFORE_HALT = 15


def until(check: object, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Load:
    """Bots proposing and a trader approving until stopped; what each got, and when."""

    def __init__(self, url: str, bots: list[str], trader: str) -> None:
        self.url, self.bots, self.trader = url, bots, trader
        self.stop = threading.Event()
        self.after_halt: list[tuple[str, int]] = []  # (kind, status) of calls started later
        self.halted_at: float | None = None
        self._threads = [threading.Thread(target=self._bot, args=(b, i), daemon=True)
                         for i, b in enumerate(bots)]
        self._threads.append(threading.Thread(target=self._approve, daemon=True))

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self._threads:
            t.join(30)

    def _note(self, started: float, kind: str, status: int) -> None:
        if self.halted_at is not None and started > self.halted_at:
            self.after_halt.append((kind, status))

    def _bot(self, token: str, i: int) -> None:
        symbol = ["BTC/USDT", "ETH/USDT"][i % 2]
        with httpx.Client(base_url=self.url, auth=SignProducerBearer(), headers=auth(token),
                          timeout=30) as c:
            while not self.stop.is_set():
                started = time.monotonic()
                r = c.post("/v1/orders", json=proposal(
                    symbol=symbol, quantity="0.001" if i % 2 == 0 else "0.01",
                    limit_price=RESTING[symbol]))
                self._note(started, "propose", r.status_code)

    def _approve(self) -> None:
        with httpx.Client(base_url=self.url, headers=auth(self.trader), timeout=30) as c:
            while not self.stop.is_set():
                pending = c.get("/v1/orders", params={"state": "pending_approval",
                                                      "limit": 20}).json()["orders"]
                for order in pending:
                    started = time.monotonic()
                    r = c.post(f"/v1/orders/{order['id']}/approve", json={})
                    self._note(started, "approve", r.status_code)
                if not pending:
                    time.sleep(0.01)


def test_once_halt_returns_the_venue_gets_no_new_order_and_all_open_are_cancelled(
        database_url: str, tmp_path: Path) -> None:
    with LocalVenue() as venue:
        gw = make_gateway(database_url, tmp_path, limits=LIMITS,
                          exchange=ccxt_exchange(venue, timeout_ms=5000))
        bots = [add(gw, f"bot{i}", "producer", f"owner{i}") for i in range(3)]
        trader, risk = add(gw, "tina", "trader"), add(gw, "rita", "risk", "rita")
        with in_thread(gw) as (url, _), Load(url, bots, trader) as load:
            until(lambda: len(venue.book.open_orders(None)) >= OPEN_BEFORE_HALT,
                  "open orders at the venue")
            env = {**os.environ, "GATEWAY_URL": url, "GATEWAY_TOKEN": risk,
                   "GATEWAY_DATABASE_URL": database_url}

            halted = subprocess.run([*GATEWAY, "halt", "--reason", "burst drill"], env=env,
                                    cwd=REPO, capture_output=True, text=True, timeout=60)

            load.halted_at = time.monotonic()
            sent_before = venue.creates()
            assert halted.returncode == 0, halted.stderr
            assert "written via api" in halted.stdout
            until(lambda: not venue.book.open_orders(None), "every open order cancelled")
            # The load keeps coming until the waiting orders are all gone.
            with httpx.Client(base_url=url, headers=auth(trader)) as c:
                until(lambda: not c.get("/v1/orders", params={
                    "state": ["pending_approval", "approved", "sending", "submitted",
                              "partially_filled"]}).json()["orders"], "nothing left waiting")
            until(lambda: len(load.after_halt) >= 10, "calls after the halt")

        assert venue.creates() == sent_before  # nothing reached the venue after the halt
        assert {status for _, status in load.after_halt} == {503}, load.after_halt
        assert {kind for kind, _ in load.after_halt} >= {"propose"}
