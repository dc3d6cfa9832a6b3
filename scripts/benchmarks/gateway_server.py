"""The real gateway as a benchmark subject: fresh database, loose limits, one producer.

Shared by every benchmark that loads the gateway over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripts.benchmarks.harness import HOST, Context, HarnessError
from scripts.benchmarks.procs import Proc, free_port, wait_ready

# Every check on, with caps far above anything the load sends, so every proposal passes and
# the benchmark measures intake rather than a refusal path. The position cap counts pending
# orders, and a run leaves tens of thousands pending.
LIMITS_YAML = """\
approval_ttl_seconds: 300
quote_currency: USDT
max_order_notional: "1000000000"
price_collar_bps: 5000
max_gross_exposure: "1000000000000000"
max_net_exposure: "1000000000000000"
max_open_orders: 100000000
max_open_orders_per_producer: 100000000
daily_loss_limit: "1000000000"
max_drawdown: "1000000000"
throttle: {window_seconds: 60, max_proposals: 100000000, max_proposals_per_producer: 100000000}
duplicate_window_seconds: 10
quarantine: {max_limit_refusals: 100000000, max_rate_refusals: 100000000}
symbols:
  BTC/USDT:
    max_order_notional: "1000000000"
    max_position: "1000000000"
    max_position_notional: "1000000000000000"
    min_quantity: "0.0001"
    max_quantity: "1000"
"""

def gateway_env(workdir: Path) -> dict[str, str]:
    limits = workdir / "limits.yaml"
    limits.write_text(LIMITS_YAML)
    return {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "GATEWAY_LIMITS": str(limits),
        "GATEWAY_VENUE": "paper",
        # The paper venue's books default to a path under the cwd; keep them in the tmpdir.
        "GATEWAY_PAPER_STATE": str(workdir / "paper-venue.db"),
    }


def find_token(data: object) -> str | None:
    """The "token" value wherever the CLI's JSON puts it."""
    if isinstance(data, dict):
        if isinstance(data.get("token"), str):
            return str(data["token"])
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            if (token := find_token(item)) is not None:
                return token
    return None


def preflight(ctx: Context) -> None:
    if not (ctx.venv_bin / "gateway").exists():
        raise HarnessError("no .venv/bin/gateway: run scripts/bench, which installs the project")


def add_producer(ctx: Context, env: dict[str, str]) -> str:
    argv = [str(ctx.venv_bin / "gateway"), "--json", "producers", "add", "bench",
            "--principal", "bench-runner"]  # fmt: skip
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessError(f"gateway producers add: {exc}") from exc
    if done.returncode != 0:
        raise HarnessError(f"producers add exited {done.returncode}:\n{done.stderr}{done.stdout}")
    try:
        token = find_token(json.loads(done.stdout))
    except json.JSONDecodeError as exc:
        raise HarnessError(f"producers add printed no JSON:\n{done.stdout}") from exc
    if token is None:
        raise HarnessError(f"producers add printed no token:\n{done.stdout}")
    return token


@contextmanager
def serve(ctx: Context, workdir: Path) -> Iterator[tuple[str, str]]:
    """`gateway serve` on loopback; yields its base URL and a producer's bearer token."""
    preflight(ctx)
    env = gateway_env(workdir)
    token = add_producer(ctx, env)
    port = free_port()
    argv = [str(ctx.venv_bin / "gateway"), "serve", "--host", HOST, "--port", str(port)]
    with Proc(argv, log=workdir / "gateway.log", env=env, cwd=workdir) as proc:
        wait_ready(f"http://{HOST}:{port}/healthz", proc)
        yield f"http://{HOST}:{port}", token
