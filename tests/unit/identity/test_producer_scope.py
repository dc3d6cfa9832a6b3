"""A producer's own scope on top of the global limits (pure checks, table-driven)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.domain.checks.producer_scope import ProducerScope, scope_checks
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.domain.policy import evaluate
from gateway.domain.risk import RiskSnapshot
from tests.unit.domain.support import limits

D = Decimal


def run(scope: ProducerScope, recent: int = 0, **p: object) -> dict[str, bool]:
    values: dict[str, object] = {"producer": "bot", "symbol": "BTC/USDT", "side": Side.BUY,
                                 "type": OrderType.LIMIT, "quantity": D("0.1"),
                                 "limit_price": D("40000")}
    values.update(p)
    proposal = Proposal(**values)  # type: ignore[arg-type]
    decision = evaluate(proposal, limits(), RiskSnapshot(), scope_checks(scope, recent))
    return {c.name: c.passed for c in decision.checks}


@pytest.mark.parametrize(("scope", "recent", "fields", "failing"), [
    (ProducerScope(), 0, {}, set()),
    (ProducerScope(symbols=frozenset({"ETH/USDT"})), 0, {}, {"producer_symbols"}),
    (ProducerScope(symbols=frozenset({"BTC/USDT"})), 0, {}, set()),
    (ProducerScope(max_notional=D("3999.99")), 0, {}, {"producer_max_notional"}),
    (ProducerScope(max_notional=D("4000")), 0, {}, set()),
    (ProducerScope(max_notional=D("4000")), 0, {"limit_price": None}, {"producer_max_notional"}),
    (ProducerScope(rate_per_minute=3), 2, {}, set()),
    (ProducerScope(rate_per_minute=3), 3, {}, {"producer_rate"}),
])
def test_scope_checks_refuse_exactly_what_is_outside_the_scope(
    scope: ProducerScope, recent: int, fields: dict[str, object], failing: set[str]
) -> None:
    found = run(scope, recent, **fields)
    assert {name for name, passed in found.items() if not passed} == failing
