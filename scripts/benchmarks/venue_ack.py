"""Benchmark `venue_ack`: approval to venue acknowledgment through the gateway, against a
direct ccxt create_order on the same local venue, in the same run.

The venue is the local Binance-compatible one (tests/venue) in its own process. Subject:
`gateway serve` (SQLite, synchronous=FULL) with GATEWAY_VENUE=ccxt pointed at it; a bot
proposes, a trader approves over HTTP, and the latency is read from the gateway's own audit
trail. It starts at the approving transaction's timestamp (`order.approved`, taken once the
write lock is held, before the limits are re-checked) and ends at the timestamp of the record
of the venue's first answer (`order.submitted` or `order.filled`, written as soon as the
reply is in and the write lock is held again). So it spans the re-check, the durable commit
of the approval and claim, signing, the HTTP round trip, parsing, and the hand-over of the
reply to the writer. The trader's HTTP request to the gateway is not in it.

Baselines, alternating with the subject so drift hits all alike:
- direct: the same ccxt client configuration calling create_order (the goal's baseline);
- floor: one fsync'd SQLite commit of one row (WAL, synchronous=FULL, as the gateway), then
  that create_order. Exactly once needs the claim durable before the venue call, so no
  gateway can beat this; `floor vs direct` says how much of the goal it leaves.

Orders are marketable and fill on arrival, so the venue's book stays empty and the gateway's
tracker has nothing to follow: its cost grows with the open orders (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx

from scripts.benchmarks import gateway_server
from scripts.benchmarks.harness import HOST, Benchmark, Context, Goal, HarnessError, Row
from scripts.benchmarks.procs import Proc, free_port, wait_ready

PRICE = "40100"  # above the venue's ask (40000.01): every order fills on arrival
LIMITS = gateway_server.LIMITS_YAML
ACKS = ("order.submitted", "order.partially_filled", "order.filled")


@contextmanager
def local_venue(ctx: Context, workdir: Path) -> Iterator[str]:
    port = free_port()
    argv = [str(ctx.venv_bin / "python"), "-m", "tests.venue", "--port", str(port)]
    with Proc(argv, log=workdir / "venue.log", cwd=ctx.root):
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/api/v3/ping", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise HarnessError("the local venue did not start; see venue.log")
        yield url


def add_operator(ctx: Context, env: dict[str, str], name: str = "bench-trader",
                 role: str = "trader") -> str:
    argv = [str(ctx.venv_bin / "gateway"), "--json", "operators", "add", name,
            "--role", role]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    token = gateway_server.find_token(json.loads(done.stdout or "null"))
    if done.returncode != 0 or token is None:
        raise HarnessError(f"operators add failed:\n{done.stderr}{done.stdout}")
    return token


@contextmanager
def gateway(ctx: Context, workdir: Path, venue: str) -> Iterator[tuple[str, str, str]]:
    from tests.venue import API_KEY, SECRET

    env = gateway_server.gateway_env(workdir)
    env.update(GATEWAY_VENUE="ccxt", GATEWAY_CCXT_EXCHANGE="binance",
               GATEWAY_CCXT_API_URL=venue, GATEWAY_CCXT_API_KEY=API_KEY,
               GATEWAY_CCXT_SECRET=SECRET, GATEWAY_RECONCILE_S="3600")
    producer = gateway_server.add_producer(ctx, env)
    trader = add_operator(ctx, env)
    port = free_port()
    argv = [str(ctx.venv_bin / "gateway"), "serve", "--host", HOST, "--port", str(port)]
    with Proc(argv, log=workdir / "gateway.log", env=env, cwd=workdir) as proc:
        wait_ready(f"http://{HOST}:{port}/healthz", proc)
        yield f"http://{HOST}:{port}", producer, trader


class Direct:
    """The baseline: a bare ccxt client, configured exactly as the gateway's adapter."""

    def __init__(self, venue: str) -> None:
        from gateway.adapters.ccxt import CcxtExchange
        from tests.venue import ccxt_config

        self.loop = asyncio.new_event_loop()
        self.adapter = CcxtExchange(ccxt_config(venue, timeout_ms=10_000))
        self.client = self.adapter.client
        self.loop.run_until_complete(self.client.load_markets())

    def once(self, before: Floor | None = None) -> float:
        """create_order alone, or preceded by the floor's durable commit."""
        cid = "bench-" + uuid.uuid4().hex[:20]
        t0 = time.perf_counter()
        if before is not None:
            before.commit_one()
        self.loop.run_until_complete(self.client.create_order(
            "BTC/USDT", "limit", "buy", "0.001", PRICE, {"clientOrderId": cid}))
        return (time.perf_counter() - t0) * 1000

    def close(self) -> None:
        self.loop.run_until_complete(self.adapter.close())
        self.loop.close()


class Floor:
    """One durable commit of one row, as the gateway's SQLite store makes them."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE claims (id INTEGER PRIMARY KEY, client_order_id TEXT)")

    def commit_one(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO claims (client_order_id) VALUES (?)",
                        (uuid.uuid4().hex,))
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


class ThroughGateway:
    def __init__(self, base: str, producer: str, trader: str) -> None:
        from gateway.sdk import ProducerAuth

        self.bot = httpx.Client(base_url=base, auth=ProducerAuth(producer), timeout=30)
        self.desk = httpx.Client(base_url=base, timeout=30,
                                 headers={"Authorization": f"Bearer {trader}"})
        self.ids: list[str] = []

    def once(self) -> None:
        r = self.bot.post("/v1/orders", json={
            "symbol": "BTC/USDT", "side": "buy", "type": "limit", "quantity": "0.001",
            "limit_price": PRICE, "idempotency_key": uuid.uuid4().hex})
        if r.status_code != 201:
            raise HarnessError(f"proposal refused ({r.status_code}): {r.text[:1000]}")
        order = r.json()
        a = self.desk.post(f"/v1/orders/{order['id']}/approve",
                           json={"version": order["version"]})
        if a.status_code != 200:
            raise HarnessError(f"approval refused ({a.status_code}): {a.text[:1000]}")
        deadline = time.monotonic() + 30
        while True:
            # Light polling, and not while the send is in flight: the latency comes from
            # the audit trail, and a poll would only compete with the send it waits for.
            time.sleep(0.02)
            if self.desk.get(f"/v1/orders/{order['id']}").json()["state"] not in (
                    "approved", "sending"):
                break
            if time.monotonic() > deadline:
                raise HarnessError(f"order {order['id']} never reached the venue")
        self.ids.append(order["id"])

    def latencies_ms(self) -> list[float]:
        out = []
        for order_id in self.ids:
            events = self.desk.get("/v1/audit", params={"order_id": order_id}).json()["events"]
            ts = {e["kind"]: datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
                  for e in events}
            acked = [ts[k] for k in ACKS if k in ts]
            if not acked:
                raise HarnessError(f"order {order_id} was not acknowledged: {sorted(ts)}")
            delta = min(acked) - ts["order.approved"]
            out.append(delta.total_seconds() * 1000)
        return out


def pct(values: list[float], p: int) -> float:
    return quantiles(values, n=100, method="inclusive")[p - 1]


def run(ctx: Context) -> list[Row]:
    gateway_server.preflight(ctx)
    with tempfile.TemporaryDirectory(prefix="bench-venue-ack-") as tmp:
        workdir = Path(tmp)
        (workdir / "limits.yaml").write_text(LIMITS)
        with local_venue(ctx, workdir) as venue, gateway(ctx, workdir, venue) as (
                base, producer, trader):
            direct, floor = Direct(venue), Floor(workdir / "floor.db")
            subject: Any = direct if ctx.self_check else ThroughGateway(base, producer, trader)
            try:
                ctx.say(f"venue_ack: warm-up {ctx.warmup} s")
                _alternate(direct, floor, subject, ctx.warmup)
                if isinstance(subject, ThroughGateway):
                    subject.ids.clear()
                ctx.say(f"venue_ack: measured {ctx.duration} s, alternating")
                direct_ms, floor_ms, timed = _alternate(direct, floor, subject, ctx.duration)
                subject_ms = (subject.latencies_ms() if isinstance(subject, ThroughGateway)
                              else timed)
            finally:
                direct.close()
                floor.close()
    if len(subject_ms) < 10:
        raise HarnessError(f"only {len(subject_ms)} orders measured; raise --duration")

    def row(metric: str, values: list[float], baseline: list[float], p: int,
            goal: Goal | None = None) -> Row:
        return Row("venue_ack", metric, pct(values, p), pct(baseline, p), goal)

    return [row("p50 ms", subject_ms, direct_ms, 50, Goal("<=", 1.2)),
            row("p90 ms", subject_ms, direct_ms, 90),
            row("p50 ms vs floor", subject_ms, floor_ms, 50),
            row("p90 ms vs floor", subject_ms, floor_ms, 90),
            row("floor p50 ms vs direct", floor_ms, direct_ms, 50),
            Row("venue_ack", "orders measured", len(subject_ms), len(direct_ms),
                fmt=",.0f")]


def _alternate(direct: Direct, floor: Floor, subject: Any,
               seconds: float) -> tuple[list[float], list[float], list[float]]:
    base, floored, subj = [], [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        base.append(direct.once())
        floored.append(direct.once(floor))
        result = subject.once()
        if result is not None:
            subj.append(result)
    return base, floored, subj


BENCHMARK = Benchmark(
    "venue_ack", "approval to venue ack via the gateway vs direct ccxt create_order", run)

