"""Benchmark `intake`: proposals over HTTP, the real gateway against a bare endpoint.

Baseline: `bare_app` (same uvicorn, FastAPI and `ProposalIn`, nothing else). Subject:
`gateway serve` on a fresh SQLite database with limits loose enough to accept everything.
Each server runs alone, warmed up by a short wrk run, then measured by wrk -c16.
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from gateway.sdk import signing
from scripts.benchmarks import gateway_server
from scripts.benchmarks.harness import HOST, Benchmark, Context, Goal, HarnessError, Row
from scripts.benchmarks.procs import Proc, free_port, wait_ready
from scripts.benchmarks.wrk import WrkResult, run_wrk

LUA = Path(__file__).with_name("intake.lua")
PATH = "/v1/orders"
PROBE = {
    "symbol": "BTC/USDT", "side": "buy", "type": "limit", "quantity": "0.001",
    "limit_price": "95000", "idempotency_key": f"k-probe-{time.time_ns()}",
}  # fmt: skip

# A started server: its base URL and the bearer token to send.
Server = Callable[[Context, Path], AbstractContextManager[tuple[str, str]]]


@contextmanager
def bare_server(ctx: Context, workdir: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    argv = [
        str(ctx.venv_bin / "python"), "-m", "uvicorn", "scripts.benchmarks.bare_app:app",
        # the gateway's own uvicorn options: default loop and http, no access log
        "--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with Proc(argv, log=workdir / "bare.log", cwd=ctx.root) as proc:
        wait_ready(f"http://{HOST}:{port}/healthz", proc)
        yield f"http://{HOST}:{port}", "gwk_bare.needs-no-credential"


def probe(base: str, credential: str) -> None:
    """One proposal before loading: a refused one means we would measure an error path."""
    body = json.dumps(PROBE).encode()
    req = urllib.request.Request(
        base + PATH, data=body, method="POST",
        headers={"Content-Type": "application/json",
                 **signing.sign(credential, "POST", PATH, body)},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            if 200 <= resp.status < 300:
                return
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    raise HarnessError(f"probe proposal got {status}: {body.decode(errors='replace')[:2000]}")


# Well above what one core of Python serves per second: the pool must not run dry.
REQUESTS_PER_SECOND_CEILING = 6000


def signed_pool(credential: str, tag: str, seconds: float, path: Path,
                price: str = "95000") -> Path:
    """Unique signed requests for one wrk run, signed now (timestamps stay within 30 s)."""
    count = int(REQUESTS_PER_SECOND_CEILING * seconds) + 1000
    now = time.time()
    with path.open("w") as out:
        for n in range(count):
            body = json.dumps({
                "symbol": "BTC/USDT", "side": "buy", "type": "limit",
                "quantity": f"0.{10 + n % 9990:04d}", "limit_price": price,
                "idempotency_key": f"k-{tag}-{n}"}, separators=(",", ":")).encode()
            h = signing.sign(credential, "POST", PATH, body, now=now)
            out.write(f"{h['X-GW-Key']}\t{h['X-GW-Timestamp']}\t{h['X-GW-Nonce']}\t"
                      f"{h['X-GW-Signature']}\t{body.decode()}\n")
    return path


def measure(ctx: Context, server: Server, label: str, workdir: Path) -> WrkResult:
    with server(ctx, workdir) as (base, credential):
        probe(base, credential)
        ctx.say(f"intake: {label} warm-up {ctx.warmup} s")
        log = workdir / f"wrk-{label.split()[0]}.txt"
        tag = f"{label.split()[0]}-{int(time.time())}"
        pool = signed_pool(credential, f"w-{tag}", ctx.warmup, workdir / "warm.tsv")
        run_wrk(base + PATH, script=LUA, seconds=ctx.warmup, log=log, args=[str(pool)])
        ctx.say(f"intake: {label} measured {ctx.duration} s")
        pool = signed_pool(credential, f"m-{tag}", ctx.duration, workdir / "measure.tsv")
        return run_wrk(base + PATH, script=LUA, seconds=ctx.duration, log=log, args=[str(pool)])


def rows(base: WrkResult, subj: WrkResult) -> list[Row]:
    def row(metric: str, value: float, baseline: float, goal: Goal | None = None) -> Row:
        fmt = ".2f" if "ms" in metric else ",.0f"
        return Row("intake", metric, value, baseline, goal, fmt)

    return [
        row("2xx requests/s", subj.ok_per_s, base.ok_per_s, Goal(">=", 0.60)),
        row("p50 ms", subj.percentile_ms(50), base.percentile_ms(50)),
        row("p99 ms", subj.percentile_ms(99), base.percentile_ms(99), Goal("<=", 3.0)),
        row("non-2xx responses", subj.non_2xx, base.non_2xx, Goal("==", 0, on="value")),
        row("socket errors", subj.socket_errors, base.socket_errors, Goal("==", 0, on="value")),
    ]


def run(ctx: Context) -> list[Row]:
    subject: Server = bare_server if ctx.self_check else gateway_server.serve
    label = "bare (self-check)" if ctx.self_check else "gateway"
    if not ctx.self_check:
        gateway_server.preflight(ctx)  # fail before spending a baseline run
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        # One server at a time: the baseline is stopped before the gateway starts.
        base = measure(ctx, bare_server, "baseline", Path(tmp))
        subj = measure(ctx, subject, label, Path(tmp))
    return rows(base, subj)


BENCHMARK = Benchmark("intake", "proposal intake over HTTP, wrk -c16, vs a bare endpoint", run)
