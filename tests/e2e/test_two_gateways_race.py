"""Two `gateway serve` processes on one PostgreSQL database behave as one gateway: sixteen
bots racing through both for the last capacity get exactly what fits, never more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import httpx

from tests.servers import REPO, free_port, wait_healthy
from tests.signing_support import SignProducerBearer

# Refusals here are the point of the race, not probing: keep quarantine out of the way.
LIMITS = """
max_order_notional: "1000000"
price_collar_bps: 500
quarantine: {max_limit_refusals: 1000}
symbols:
  BTC/USDT: {max_position: "0.5"}
"""


def test_two_processes_on_postgresql_admit_exactly_what_fits(pg_database: str,
                                                             tmp_path: Path) -> None:
    (tmp_path / "limits.yaml").write_text(LIMITS)
    env = {**os.environ, "GATEWAY_DATABASE_URL": pg_database,
           "GATEWAY_LIMITS": str(tmp_path / "limits.yaml"),
           "GATEWAY_PAPER_STATE": str(tmp_path / "paper.db")}
    add = subprocess.run([sys.executable, "-m", "gateway", "--json", "producers", "add", "bot",
                          "--principal", "alice"], env=env, capture_output=True, text=True,
                         cwd=REPO, timeout=60)
    assert add.returncode == 0, add.stderr
    credential = json.loads(add.stdout)["token"]
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--port", str(p)],
                              env=env, cwd=REPO, stderr=subprocess.DEVNULL) for p in ports]
    try:
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        for url in urls:
            wait_healthy(url)
        headers = {"Authorization": f"Bearer {credential}"}
        with httpx.Client(auth=SignProducerBearer(), headers=headers) as c:
            mid = Decimal(c.get(f"{urls[0]}/v1/prices").json()["prices"][0]["mid"])
        price = str(mid.quantize(Decimal("0.01"), ROUND_DOWN))
        statuses: list[int] = []
        admitted: list[str] = []
        lock = threading.Lock()

        def bot(i: int) -> None:
            with httpx.Client(auth=SignProducerBearer(), headers=headers, timeout=30) as c:
                for _ in range(2):
                    r = c.post(f"{urls[i % 2]}/v1/orders", json={
                        "symbol": "BTC/USDT", "side": "buy", "quantity": "0.1",
                        "limit_price": price, "idempotency_key": uuid.uuid4().hex})
                    with lock:
                        statuses.append(r.status_code)
                        if r.status_code == 201:
                            admitted.append(next(c["observed"] for c in r.json()["checks"]
                                                 if c["name"] == "max_position"))

        threads = [threading.Thread(target=bot, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert sorted(set(statuses)) == [201, 422], statuses
        assert statuses.count(201) == 5, admitted  # 5 x 0.1 = the whole 0.5, from both processes
        with httpx.Client(auth=SignProducerBearer(), headers=headers) as c:
            listed = c.get(f"{urls[1]}/v1/orders", params={"state": "pending_approval"})
            assert listed.status_code == 200, listed.text
            pending = listed.json()["orders"]
        assert sum(Decimal(o["quantity"]) for o in pending) == Decimal("0.5")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
