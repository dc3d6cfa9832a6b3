"""End to end: `gateway serve` as a subprocess on loopback with the paper venue; a bot
proposes over HTTP, a trader approves with the CLI, the order fills, and its whole life
reads back from the audit trail."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import httpx
import pytest

from gateway.sdk import ProducerAuth
from tests.servers import GATEWAY, REPO, free_port, wait_healthy


class Server:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gw.db",
                    "GATEWAY_LIMITS": str(REPO / "limits.yaml"),
                    "GATEWAY_PAPER_STATE": str(tmp / "paper.db"), "GATEWAY_URL": self.url}
        self.env.pop("GATEWAY_TOKEN", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, **({"GATEWAY_TOKEN": token} if token else {}))
        return subprocess.run([*GATEWAY, *args], env=env, capture_output=True, text=True,
                              timeout=60, cwd=REPO)

    def register(self, kind: str, name: str, *flags: str) -> str:
        out = self.cli("--json", kind, "add", name, *flags)
        assert out.returncode == 0, out.stderr
        return str(json.loads(out.stdout)["token"])

    def start(self) -> None:
        self.proc = subprocess.Popen([*GATEWAY, "serve", "--port", str(self.port)], env=self.env,
                                     cwd=REPO, stderr=subprocess.PIPE)
        wait_healthy(self.url)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    yield s
    if s.proc is not None and s.proc.poll() is None:
        s.proc.kill()


def test_order_goes_from_proposal_through_approval_to_filled(server: Server) -> None:
    bot = server.register("producers", "momentum-bot", "--principal", "alice")
    trader = server.register("operators", "tina", "--role", "trader")
    server.start()
    bot_api = httpx.Client(base_url=server.url, auth=ProducerAuth(bot))
    desk = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {trader}"})

    ask = Decimal(next(p["ask"] for p in bot_api.get("/v1/prices").json()["prices"]
                       if p["symbol"] == "BTC/USDT"))
    price = (ask * Decimal("1.002")).quantize(Decimal("0.01"), ROUND_DOWN)  # crosses: fills
    r = bot_api.post("/v1/orders", json={"symbol": "BTC/USDT", "side": "buy", "type": "limit",
                                         "quantity": "0.002", "limit_price": str(price),
                                         "rationale": "breakout", "confidence": "0.7"})
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]

    approved = server.cli("approve", order_id, token=trader)
    assert approved.returncode == 0, approved.stderr
    assert "approved" in approved.stdout

    deadline = time.monotonic() + 30
    while (order := desk.get(f"/v1/orders/{order_id}").json())["state"] != "filled":
        assert time.monotonic() < deadline, order
        time.sleep(0.1)
    assert Decimal(order["filled_quantity"]) == Decimal("0.002")
    assert Decimal(order["fees"]) > 0

    events = desk.get("/v1/audit", params={"order_id": order_id}).json()["events"]
    kinds = [e["kind"] for e in events]
    assert kinds[:4] == ["order.proposed", "order.queued", "order.approved", "order.sending"]
    assert kinds[-1] == "order.filled"
    assert "order.fill" in kinds
    assert events[2]["actor"] == "operator:tina"
    assert events[0]["payload"]["rationale"] == "breakout"

    positions = desk.get("/v1/positions").json()["positions"]
    assert [(p["symbol"], p["quantity"]) for p in positions] == [("BTC/USDT", "0.002")]
    status = server.cli("status", token=trader)
    assert "trading" in status.stdout and "filled=1" in status.stdout
    assert server.stop() == 0


def test_halt_from_the_cli_refuses_new_proposals_with_the_reason(server: Server) -> None:
    bot = server.register("producers", "bot", "--principal", "alice")
    risk = server.register("operators", "rita", "--role", "risk")
    server.start()
    halted = server.cli("halt", "--reason", "fat finger drill", token=risk)
    assert halted.returncode == 0, halted.stderr
    r = httpx.post(f"{server.url}/v1/orders", auth=ProducerAuth(bot),
                   json={"symbol": "BTC/USDT", "side": "buy", "quantity": "0.001",
                         "limit_price": "1000"})
    assert r.status_code == 503
    assert r.json()["error"]["details"]["reason"] == "fat finger drill"
    assert server.cli("resume", "--reason", "drill over", token=risk).returncode == 0
    server.stop()


def test_halt_is_written_to_the_database_when_the_server_is_down(server: Server) -> None:
    risk = server.register("operators", "rita", "--role", "risk")
    out = server.cli("--json", "halt", "--reason", "server unreachable", token=risk)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["via"] == "database"
    server.start()  # a restart stays halted
    status = server.cli("--json", "status", token=risk)
    assert json.loads(status.stdout)["halt"]["reason"] == "server unreachable"
    server.stop()
