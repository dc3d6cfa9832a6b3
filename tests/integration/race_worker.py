"""The body of one racing submitter. Kept light: forked children import only this."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.writer import execute_batch
from gateway.domain.limits import parse_limits
from gateway.domain.markets import Market, MarketData
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.ports.clock import SystemClock
from gateway.services import intake

LIMITS = """
max_order_notional: "25000"
symbols:
  BTC/USDT: {max_position: "0.5"}
"""
QTY = Decimal("0.1")  # exactly five fit under max_position 0.5
ATTEMPTS_PER_WORKER = 3


def market() -> MarketData:
    now = datetime.now(UTC)
    rules = Market("BTC/USDT", "BTC", "USDT", Decimal("0.01"), Decimal("0.0001"),
                   Decimal("0.0001"), Decimal("5"))
    return MarketData({"BTC/USDT": Decimal("40000")}, {"BTC/USDT": now}, {"BTC/USDT": rules})


def propose_many(url: str, worker: int) -> None:
    engine = make_engine(url)
    limits, version = parse_limits(LIMITS)
    try:
        for i in range(ATTEMPTS_PER_WORKER):
            p = Proposal(producer=f"bot{worker}", symbol="BTC/USDT", side=Side.BUY,
                         type=OrderType.LIMIT, quantity=QTY, limit_price=Decimal("40000"),
                         idempotency_key=f"w{worker}-{i}")
            [(_, error)] = execute_batch(engine, SystemClock(), market(), [
                lambda uow, p=p: intake.propose(uow, p, limits, version)])
            assert error is None, error
    finally:
        engine.dispose()
