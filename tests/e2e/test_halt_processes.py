"""`gateway halt` when parts are broken: the API server killed, or hung while another
process on the same PostgreSQL database keeps running; and a restart stays halted. Real
`gateway serve` processes, the real ccxt client, the local venue's own books as the judge."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.sdk import ProducerAuth
from tests.servers import GATEWAY, REPO, free_port, wait_healthy
from tests.venue import API_KEY, SECRET, LocalVenue

LIMITS = """
max_order_notional: "25000"
symbols:
  BTC/USDT: {max_position: "5"}
"""


def until(check: Any, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Site:
    """One database, one venue, and any number of `gateway serve` processes on them."""

    def __init__(self, tmp: Path, database_url: str, venue: LocalVenue) -> None:
        (tmp / "limits.yaml").write_text(LIMITS)
        self.venue = venue
        self.env = {**os.environ, "GATEWAY_DATABASE_URL": database_url,
                    "GATEWAY_LIMITS": str(tmp / "limits.yaml"), "GATEWAY_VENUE": "ccxt",
                    "GATEWAY_CCXT_API_URL": venue.url, "GATEWAY_CCXT_API_KEY": API_KEY,
                    "GATEWAY_CCXT_SECRET": SECRET, "GATEWAY_RECONCILE_S": "3600"}
        self.env.pop("GATEWAY_TOKEN", None)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.risk = ""  # registering needs no token; every later command uses the risk one
        self.bot = self.register("producers", "bot", "--principal", "alice")
        self.trader = self.register("operators", "tina", "--role", "trader")
        self.risk = self.register("operators", "rita", "--role", "risk")

    def cli(self, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
        # Without a URL: one where nobody listens (commands that go to the database).
        env = {**self.env, "GATEWAY_TOKEN": self.risk,
               "GATEWAY_URL": url or f"http://127.0.0.1:{free_port()}"}
        return subprocess.run([*GATEWAY, *args], env=env, capture_output=True, text=True,
                              timeout=90, cwd=REPO)

    def register(self, kind: str, name: str, *flags: str) -> str:
        out = self.cli("--json", kind, "add", name, *flags)
        assert out.returncode == 0, out.stderr
        return str(json.loads(out.stdout)["token"])

    def serve(self, name: str) -> str:
        port = free_port()
        self.procs[name] = subprocess.Popen([*GATEWAY, "serve", "--port", str(port)],
                                            env=self.env, cwd=REPO, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        return url

    def signal(self, name: str, sig: signal.Signals) -> None:
        self.procs[name].send_signal(sig)
        if sig is signal.SIGKILL:
            self.procs[name].wait(30)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait(30)

    def open_order(self, url: str, quantity: str) -> str:
        bot = httpx.Client(base_url=url, auth=ProducerAuth(self.bot), timeout=30)
        r = bot.post("/v1/orders", json={"symbol": "BTC/USDT", "side": "buy",
                                         "quantity": quantity, "limit_price": "39700"})
        assert r.status_code == 201, r.text
        order_id = str(r.json()["id"])
        desk = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {self.trader}"},
                            timeout=30)
        assert desk.post(f"/v1/orders/{order_id}/approve", json={}).status_code == 200
        until(lambda: desk.get(f"/v1/orders/{order_id}").json()["state"] == "submitted",
              "the order at the venue")
        return order_id

    def propose_status(self, url: str) -> int:
        r = httpx.post(f"{url}/v1/orders", auth=ProducerAuth(self.bot), timeout=30, json={
            "symbol": "BTC/USDT", "side": "buy", "quantity": "0.001", "limit_price": "39700"})
        return r.status_code

    def status(self, url: str) -> dict[str, Any]:
        out = self.cli("--json", "status", url=url)
        assert out.returncode == 0, out.stderr
        return dict(json.loads(out.stdout))

    def open_at_venue(self) -> int:
        return len(self.venue.book.open_orders(None))


@pytest.fixture
def venue() -> Iterator[LocalVenue]:
    with LocalVenue() as v:
        yield v


def test_halt_with_the_server_killed_is_written_to_the_database_and_a_restart_stays_halted(
        tmp_path: Path, venue: LocalVenue) -> None:
    site = Site(tmp_path, f"sqlite:///{tmp_path}/gw.db", venue)
    try:
        url = site.serve("only")
        for q in ("0.001", "0.002"):
            site.open_order(url, q)
        site.signal("only", signal.SIGKILL)

        out = site.cli("--json", "halt", "--reason", "server died", url=url)

        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["via"] == "database"
        assert site.open_at_venue() == 2  # nobody was running to cancel them yet
        url = site.serve("restarted")
        until(lambda: site.open_at_venue() == 0, "the restarted gateway to cancel")
        halt = site.status(url)["halt"]
        assert (halt["halted"], halt["reason"], halt["actor"]) == (
            True, "server died", "operator:rita")
        assert site.propose_status(url) == 503
    finally:
        site.stop_all()


def test_halt_with_one_of_two_processes_hung_stops_both_on_postgresql(
        pg_database: str, tmp_path: Path, venue: LocalVenue) -> None:
    site = Site(tmp_path, pg_database, venue)
    try:
        hung, alive = site.serve("a"), site.serve("b")
        site.open_order(hung, "0.001")
        site.open_order(alive, "0.002")
        site.signal("a", signal.SIGSTOP)  # hung: accepts connections, answers nothing

        # The API timeout is far beyond the test's own (90 s): only the hedge (the database
        # write started when the API is slow) lets the command return at all.
        out = site.cli("--json", "halt", "--reason", "a is hung", "--api-timeout", "600",
                       url=hung)

        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["via"] == "database"
        until(lambda: site.open_at_venue() == 0, "the live process to cancel everything")
        assert site.propose_status(alive) == 503
        # `gateway status` hedges the same way: read from the database, and saying so.
        seen = site.cli("--json", "status", "--api-timeout", "600", url=hung)
        assert seen.returncode == 0, seen.stderr
        assert json.loads(seen.stdout)["via"] == "database"
        assert json.loads(seen.stdout)["halt"]["reason"] == "a is hung"
        sent = venue.creates()
        site.signal("a", signal.SIGCONT)
        assert site.propose_status(hung) == 503
        assert site.status(hung)["halt"]["reason"] == "a is hung"
        assert venue.creates() == sent
        # Both restarted: still halted.
        site.stop_all()
        again = site.serve("c")
        assert site.status(again)["halt"]["halted"] is True
        assert site.propose_status(again) == 503
    finally:
        site.stop_all()
