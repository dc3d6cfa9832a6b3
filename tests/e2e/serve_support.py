"""`gateway serve` processes against the local venue, an operator's SSE stream, and the
bounded waits the deployment tests share."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from gateway.bootstrap import build
from gateway.settings import Settings
from tests.fakes.exchange import FakeExchange
from tests.servers import GATEWAY, REPO, free_port
from tests.support import add
from tests.venue import API_KEY, SECRET, LocalVenue


def venue_env(database_url: str, venue: LocalVenue, tmp: Path) -> dict[str, str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url,
           "GATEWAY_LIMITS": str(REPO / "limits.yaml"), "GATEWAY_VENUE": "ccxt",
           "GATEWAY_CCXT_EXCHANGE": "binance", "GATEWAY_CCXT_API_URL": venue.url,
           "GATEWAY_CCXT_API_KEY": API_KEY, "GATEWAY_CCXT_SECRET": SECRET,
           "GATEWAY_CCXT_TIMEOUT_MS": "30000", "GATEWAY_PAPER_STATE": str(tmp / "paper.db")}
    env.pop("GATEWAY_TOKEN", None)
    return env


def register(database_url: str, *names: tuple[str, str]) -> list[str]:
    """Principals written in-process (the CLI path has its own e2e test)."""
    settings = Settings(database_url=database_url, limits_path=REPO / "limits.yaml",
                        paper_state=None)
    gw = build(settings, exchange=FakeExchange())
    try:
        # limits.yaml lets binance be used from a few jurisdictions only: all come from GB.
        return [add(gw, name, role, name, jurisdiction="GB") for name, role in names]
    finally:
        gw.engine.dispose()


class Serve:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Serve:
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen([*GATEWAY, "serve", "--port", str(self.port)],
                                         env=self.env, cwd=REPO, stderr=err)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gateway serve at {self.url} never became ready")

    def stop(self, timeout_s: float = 60) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


class EventStream:
    """An operator's /v1/events stream read on a thread into a queue of audit records."""

    def __init__(self, url: str, token: str) -> None:
        self.records: queue.Queue[dict[str, Any]] = queue.Queue()
        self._client = httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=None),
                                    headers={"Authorization": f"Bearer {token}"})
        self._connected = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._connected.wait(30), "the event stream did not connect"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/v1/events") as r:
                for text in r.iter_lines():
                    if text.startswith(": connected"):
                        self._connected.set()
                    elif text.startswith("data: "):
                        self.records.put(json.loads(text[6:]))
        except (httpx.HTTPError, ValueError):
            return  # closed by the test, or the server went away

    def wait_for(self, order_id: str, kind: str, timeout_s: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            record = self.records.get(timeout=max(0.1, deadline - time.monotonic()))
            if record.get("order_id") == order_id and record.get("kind") == kind:
                return record

    def close(self) -> None:
        self._client.close()


def wait_state(url: str, token: str, order_id: str, states: set[str],
               timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
        while True:
            order: dict[str, Any] = c.get(f"/v1/orders/{order_id}").json()
            if order["state"] in states:
                return order
            assert time.monotonic() < deadline, order
            time.sleep(0.05)
