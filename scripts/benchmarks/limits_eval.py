"""Evaluating one proposal against the repo's limits.yaml (20 symbols), every check on.

The baseline is validating the same proposal's wire body with pydantic in the same run: a
fixed amount of comparable Python work, so the ratio says how the policy scales against the
machine, while the goal (p99 <= 50 us) is on the absolute value.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from gateway.adapters.paper.markets import DEFAULT_MARKETS, DEFAULT_START_PRICES
from gateway.api.schemas import ProposalIn
from gateway.domain.limits import parse_limits
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.domain.policy import evaluate
from gateway.domain.risk import RecentOrder, Reservation, RiskSnapshot
from scripts.benchmarks.harness import Benchmark, Context, Goal, Row

ROUNDS = 20_000
BODY = (b'{"symbol":"BTC/USDT","side":"buy","type":"limit","quantity":"0.01",'
        b'"limit_price":"95000","idempotency_key":"k-1"}')


def _snapshot(now: datetime) -> RiskSnapshot:
    """A busy book: positions in ten symbols, forty reserving orders, a recent twin."""
    symbols = sorted(DEFAULT_START_PRICES)
    positions = {s: Decimal("0.001") * (i + 1) for i, s in enumerate(symbols[:10])}
    reservations = [Reservation(f"o{i}", symbols[i % 20], Side.BUY if i % 2 else Side.SELL,
                                Decimal("0.001"), f"bot{i % 4}") for i in range(40)]
    snap = RiskSnapshot.build(
        positions, reservations, dict(DEFAULT_START_PRICES),
        price_times={s: now for s in symbols}, markets=dict(DEFAULT_MARKETS), now=now,
        session_pnl=Decimal("-12.5"), drawdown=Decimal("40"), venue="paper")
    twin = RecentOrder("BTC/USDT", Side.BUY, Decimal("0.01"), now, "k-0")
    # As the writer builds it: exposure totals computed once, then kept in step.
    return replace(snap, recent_proposals=120, recent_by_producer={"bot1": 12},
                   recent_orders=(twin,)).with_exposure()


def _timed(fn: object, rounds: int) -> list[float]:
    call = fn  # type: ignore[assignment]
    out = []
    for _ in range(rounds):
        t = time.perf_counter_ns()
        call()  # type: ignore[operator]
        out.append((time.perf_counter_ns() - t) / 1000)
    return out


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def run(ctx: Context) -> list[Row]:
    limits, _ = parse_limits((ctx.root / "limits.yaml").read_text(), "limits.yaml")
    now = datetime.now(UTC)
    snap = _snapshot(now)
    price = DEFAULT_START_PRICES["BTC/USDT"]
    p = Proposal("bot1", "BTC/USDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price,
                 idempotency_key="k-1")
    assert evaluate(p, limits, snap).passed, evaluate(p, limits, snap).summary()
    ctx.say(f"limits-eval: {ROUNDS} evaluations against {len(limits.symbols)} symbols")
    _timed(lambda: evaluate(p, limits, snap), 2000)  # warm
    subject = _timed(lambda: evaluate(p, limits, snap), ROUNDS)
    baseline = _timed(lambda: ProposalIn.model_validate_json(BODY), ROUNDS)

    def row(metric: str, value: float, base: float, goal: Goal | None = None) -> Row:
        return Row("limits-eval", metric, value, base, goal, ".1f")

    return [
        row("p50 us", _p(subject, 50), _p(baseline, 50)),
        row("p99 us", _p(subject, 99), _p(baseline, 99), Goal("<=", 50, on="value")),
    ]


BENCHMARK = Benchmark("limits-eval", "one proposal through every check, 20-symbol limits", run)
