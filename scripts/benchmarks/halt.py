"""Benchmark `halt`: with 1,000 orders open at the local venue and a bot proposing at full
rate (wrk, pre-signed, 16 connections), time from a halt request being issued to
(a) the halt committed: the answer to POST /v1/halt, sent after the commit, from which on
    every claim reads it (nothing more is sent), and
(b) every open order cancelled, read from the venue's own books (its open-orders endpoint,
    polled every 10 ms).

Subject: `gateway serve` (SQLite, the ccxt adapter) against the local Binance-compatible
venue in its own process. Each cycle fills the venue with 1,000 resting orders through the
gateway (proposed, approved, sent), starts the load, then takes (a) samples from 20 halts of
a second symbol (ETH/USDT, nothing open: the same transaction and writer queue, so p99 has
samples) and from the global halt, which also gives (b). Baselines, same run: for (a) a bare
durable commit (BEGIN IMMEDIATE, one UPDATE, COMMIT, synchronous=FULL) on a scratch SQLite
file beside the gateway's, taken between the halts under the same load; for (b) the venue's
own cancel-all of 1,000 orders placed directly (one DELETE /api/v3/openOrders), before the
load. The CLI (`gateway halt`, process start to exit) is reported for information.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from statistics import median

import httpx

from scripts.benchmarks import gateway_server
from scripts.benchmarks.harness import HOST, Benchmark, Context, Goal, HarnessError, Row
from scripts.benchmarks.intake import LUA, signed_pool
from scripts.benchmarks.procs import Proc, free_port, wait_ready
from scripts.benchmarks.venue_ack import add_operator, local_venue, pct
from scripts.benchmarks.venue_raw import RawVenue
from scripts.benchmarks.wrk import WrkResult, parse_wrk_output

OPEN = 1000
CYCLES = 3
SCOPED = 20
CLI_SAMPLES = 3
RESTING = "39900"  # under the venue's ask (40000.01): rests, never fills
LIMITS = gateway_server.LIMITS_YAML + """\
  ETH/USDT:
    max_position: "1000000000"
"""


@contextmanager
def gateway(ctx: Context, workdir: Path, venue: str) -> Iterator[tuple[str, dict[str, str]]]:
    from tests.venue import API_KEY, SECRET

    env = gateway_server.gateway_env(workdir)
    (workdir / "limits.yaml").write_text(LIMITS)
    env.update(GATEWAY_VENUE="ccxt", GATEWAY_CCXT_EXCHANGE="binance",
               GATEWAY_CCXT_API_URL=venue, GATEWAY_CCXT_API_KEY=API_KEY,
               GATEWAY_CCXT_SECRET=SECRET, GATEWAY_RECONCILE_S="3600")
    tokens = {"producer": gateway_server.add_producer(ctx, env),
              "trader": add_operator(ctx, env)}
    tokens["risk"] = add_operator(ctx, env, "bench-risk", "risk")
    port = free_port()
    argv = [str(ctx.venv_bin / "gateway"), "serve", "--host", HOST, "--port", str(port)]
    with Proc(argv, log=workdir / "gateway.log", env=env, cwd=workdir) as proc:
        wait_ready(f"http://{HOST}:{port}/healthz", proc)
        yield f"http://{HOST}:{port}", {**tokens, "env_db": env["GATEWAY_DATABASE_URL"]}


def fill_book(base: str, tokens: dict[str, str], venue: RawVenue) -> None:
    """Propose, approve and send orders through the gateway until 1,000 rest at the venue."""
    from gateway.sdk import ProducerAuth

    missing = OPEN - venue.open_count("BTCUSDT")
    bot = httpx.Client(base_url=base, auth=ProducerAuth(tokens["producer"]), timeout=60)
    desk = httpx.Client(base_url=base, timeout=60,
                        headers={"Authorization": f"Bearer {tokens['trader']}"})

    def one(n: int) -> None:
        r = bot.post("/v1/orders", json={
            "symbol": "BTC/USDT", "side": "buy", "quantity": f"0.{1000 + n:05d}",
            "limit_price": RESTING, "idempotency_key": uuid.uuid4().hex})
        if r.status_code != 201:
            raise HarnessError(f"proposal refused ({r.status_code}): {r.text[:500]}")
        a = desk.post(f"/v1/orders/{r.json()['id']}/approve", json={})
        if a.status_code != 200:
            raise HarnessError(f"approval refused ({a.status_code}): {a.text[:500]}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(missing)))
    deadline = time.monotonic() + 180
    while venue.open_count("BTCUSDT") < OPEN:
        if time.monotonic() > deadline:
            raise HarnessError("the venue never held 1,000 open orders; see gateway.log")
        time.sleep(0.2)


class Commits:
    """The (a) baseline: a bare durable commit on a scratch SQLite file."""

    def __init__(self, path: Path) -> None:
        from sqlalchemy import text

        from gateway.adapters.store.engine import make_engine

        self.engine = make_engine(f"sqlite:///{path}")
        self._text = text
        with self.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
            conn.execute(text("INSERT OR REPLACE INTO t VALUES (1, 'x')"))
        self.samples: list[float] = []

    def once(self) -> None:
        t0 = time.perf_counter()
        with self.engine.begin() as conn:
            conn.execute(self._text("UPDATE t SET v = :v WHERE id = 1"), {"v": str(t0)})
        self.samples.append((time.perf_counter() - t0) * 1000)


class Risk:
    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=60,
                                   headers={"Authorization": f"Bearer {token}"})
        self.client.get("/v1/status").raise_for_status()  # connected before timing

    def halt_ms(self, **scope: str) -> float:
        t0 = time.perf_counter()
        r = self.client.post("/v1/halt", json={"reason": "bench", **scope})
        elapsed = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise HarnessError(f"halt refused ({r.status_code}): {r.text[:500]}")
        return elapsed

    def resume(self, **scope: str) -> None:
        r = self.client.post("/v1/resume", json={"reason": "bench", **scope})
        if r.status_code not in (200, 409):
            raise HarnessError(f"resume refused ({r.status_code}): {r.text[:500]}")


def start_wrk(base: str, producer: str, seconds: int, workdir: Path, n: int) -> Proc:
    pool = signed_pool(producer, f"h{n}-{time.time_ns()}", seconds, workdir / "load.tsv",
                       price=RESTING)
    argv = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "--timeout", "30s",
            "-s", str(LUA), base + "/v1/orders", "--", str(pool)]
    return Proc(argv, log=workdir / f"wrk-{n}.txt")


def cli_halt_ms(ctx: Context, base: str, risk: Risk, tokens: dict[str, str]) -> float:
    env = {**os.environ, "GATEWAY_URL": base, "GATEWAY_TOKEN": tokens["risk"],
           "GATEWAY_DATABASE_URL": tokens["env_db"]}
    t0 = time.perf_counter()
    done = subprocess.run([str(ctx.venv_bin / "gateway"), "halt", "--symbol", "ETH/USDT",
                           "--reason", "bench cli"], env=env, capture_output=True, timeout=60)
    elapsed = (time.perf_counter() - t0) * 1000
    if done.returncode != 0:
        raise HarnessError(f"gateway halt failed: {done.stderr.decode()[:500]}")
    risk.resume(symbol="ETH/USDT")
    return elapsed


def wait_empty(venue: RawVenue, t0: float) -> float:
    deadline = time.monotonic() + 60
    while venue.open_count("BTCUSDT"):
        if time.monotonic() > deadline:
            raise HarnessError("open orders were not all cancelled within 60 s")
        time.sleep(0.01)
    return (time.perf_counter() - t0) * 1000


class Figures:
    def __init__(self) -> None:
        self.a: list[float] = []
        self.a_global: list[float] = []
        self.b: list[float] = []
        self.cli: list[float] = []
        self.load: list[WrkResult] = []


def cycle(ctx: Context, base: str, tokens: dict[str, str], venue: RawVenue, commits: Commits,
          workdir: Path, n: int, out: Figures) -> None:
    risk = Risk(base, tokens["risk"])
    risk.resume()
    ctx.say(f"halt: cycle {n + 1}/{CYCLES}: filling the venue with {OPEN} open orders")
    fill_book(base, tokens, venue)
    ctx.say(f"halt: cycle {n + 1}/{CYCLES}: halting under load")
    seconds = 12
    with start_wrk(base, tokens["producer"], seconds, workdir, n) as load:
        time.sleep(1.5)  # the load reaches full rate
        for _ in range(SCOPED):
            out.a.append(risk.halt_ms(symbol="ETH/USDT"))
            commits.once()
            risk.resume(symbol="ETH/USDT")
            time.sleep(0.05)
        out.cli += [cli_halt_ms(ctx, base, risk, tokens) for _ in range(CLI_SAMPLES)]
        t0 = time.perf_counter()
        out.a_global.append(risk.halt_ms())
        out.b.append(wait_empty(venue, t0))
        load.wait(seconds + 60)
    out.load.append(parse_wrk_output((workdir / f"wrk-{n}.txt").read_text()))


def direct_cancel_ms(venue: RawVenue) -> float:
    """The (b) baseline: 1,000 orders placed directly, then the venue's own cancel-all."""
    venue.place_resting("SOLUSDT", "95", "1", OPEN)
    t0 = time.perf_counter()
    venue.cancel_all("SOLUSDT")
    return wait_empty_symbol(venue, "SOLUSDT", t0)


def wait_empty_symbol(venue: RawVenue, symbol: str, t0: float) -> float:
    while venue.open_count(symbol):
        time.sleep(0.01)
    return (time.perf_counter() - t0) * 1000


def run(ctx: Context) -> list[Row]:
    gateway_server.preflight(ctx)
    with tempfile.TemporaryDirectory(prefix="bench-halt-") as tmp:
        workdir = Path(tmp)
        with local_venue(ctx, workdir) as venue_url:
            venue = RawVenue(venue_url)
            ctx.say("halt: baseline: the venue's own cancel of 1,000 orders")
            direct = direct_cancel_ms(venue)
            commits = Commits(workdir / "scratch.db")
            figures = Figures()
            if ctx.self_check:
                figures.b = [direct_cancel_ms(venue)]
                for _ in range(SCOPED):
                    commits.once()
                figures.a = list(commits.samples)
                commits.samples.clear()
                for _ in range(SCOPED):
                    commits.once()
            else:
                with gateway(ctx, workdir, venue_url) as (base, tokens):
                    for n in range(CYCLES):
                        cycle(ctx, base, tokens, venue, commits, workdir, n, figures)
            venue.close()
    return rows(figures, commits.samples, direct)


def rows(f: Figures, commits: list[float], direct: float) -> list[Row]:
    a = f.a + f.a_global
    out = [
        Row("halt", "(a) halt committed p50 ms", pct(a, 50), pct(commits, 50)),
        Row("halt", "(a) halt committed p90 ms", pct(a, 90), pct(commits, 90)),
        Row("halt", "(a) halt committed p99 ms", pct(a, 99), pct(commits, 99),
            Goal("<=", 100, on="value")),
        Row("halt", "(b) 1,000 open cancelled, worst ms", max(f.b), direct,
            Goal("<=", 2000, on="value"), fmt=",.0f"),
        Row("halt", "halts measured", len(a), len(commits), fmt=",.0f"),
    ]
    if f.a_global:
        out.insert(3, Row("halt", "(a) global halts, worst ms", max(f.a_global)))
    if f.cli:
        out.append(Row("halt", "`gateway halt` CLI p50 ms", median(f.cli)))
    if f.load:
        out.append(Row("halt", "proposals/s offered (wrk)",
                       sum(w.requests_per_s for w in f.load) / len(f.load), fmt=",.0f"))
    return out


BENCHMARK = Benchmark(
    "halt", "halt under load with 1,000 open orders: commit (a) and all cancelled (b)", run)
