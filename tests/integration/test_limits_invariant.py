"""The core promise under random interleavings: nothing is sent (claimed for the venue) that
breaches a limit in force at that moment. Proposals, approvals, denials, edits, claims,
fills, price moves, limits reloads and the stop watch run in random order against a real
store; at every claim the invariant is recomputed independently from the database rows:
positions within their caps and their share of equity, and no position at or past its stop
level (or switched to reduce-only) made wider."""

from __future__ import annotations

import tempfile
import uuid
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from sqlalchemy import select

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.tables import orders, positions, stop_guards
from gateway.adapters.store.uow import BatchCache, UnitOfWork
from gateway.adapters.store.writer import execute_batch
from gateway.domain.limits import parse_limits
from gateway.domain.markets import Market, MarketData
from gateway.domain.orders import RESERVING_STATES, OrderType, Proposal, Side
from gateway.ports.clock import SystemClock
from gateway.ports.exchange import VenueOrder, VenueOrderStatus
from gateway.services import approvals, edits, execution, intake, limits_admin, stop_watch
from gateway.services.limits_holder import LimitsHolder

D = Decimal
SYMBOLS = ("BTC/USDT", "ETH/USDT")
LOOSE = """
max_order_notional: "50000"
price_collar_bps: 1000
account_equity: "60000"
max_position_equity_share: "0.9"
symbols:
  BTC/USDT: {max_position: "1", stop_loss_share: "0.005"}
  ETH/USDT: {max_position: "20", stop_loss_distance: "10"}
"""
TIGHT = LOOSE.replace('max_position: "1"', 'max_position: "0.3"').replace(
    'max_position: "20"', 'max_position: "5"').replace('"50000"', '"8000"').replace(
    '"0.9"', '"0.4"')
STEP = {"BTC/USDT": D("0.1"), "ETH/USDT": D("1")}


def rules(symbol: str) -> Market:
    return Market(symbol, symbol[:3], "USDT", D("0.01"), D("0.0001"), D("0.0001"), D("1"))


class SendingNeverBreachesLimits(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.dir = Path(tempfile.mkdtemp())
        self.engine = make_engine(f"sqlite:///{self.dir}/gw.db")
        ensure_current(self.engine)
        (self.dir / "limits.yaml").write_text(LOOSE)
        self.holder = LimitsHolder(self.dir / "limits.yaml")
        self.cache = BatchCache()
        self.prices = {"BTC/USDT": D("40000"), "ETH/USDT": D("2000")}
        self.run(lambda uow: limits_admin.install(uow, self.holder, self.holder.loaded(), "t"))

    def teardown(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()

    def market(self) -> MarketData:
        now = datetime.now(UTC)
        return MarketData(dict(self.prices), {s: now for s in SYMBOLS},
                          {s: rules(s) for s in SYMBOLS})

    def run(self, job: Any) -> Any:
        [(result, error)] = execute_batch(self.engine, SystemClock(), self.market(), [job],
                                          self.cache, self.holder.source)
        return error if error is not None else result

    def ids(self, *states: str) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(r.id for r in conn.execute(
                select(orders.c.id).where(orders.c.state.in_(states))))

    @rule(symbol=st.sampled_from(SYMBOLS), side=st.sampled_from(Side), steps=st.integers(1, 6),
          offset_bps=st.integers(-50, 50))
    def propose(self, symbol: str, side: Side, steps: int, offset_bps: int) -> None:
        price = (self.prices[symbol] * (1 + D(offset_bps) / 10_000)).quantize(D("0.01"))
        p = Proposal("bot", symbol, side, OrderType.LIMIT, STEP[symbol] * steps, price,
                     idempotency_key=uuid.uuid4().hex)
        self.run(intake.proposal_job(p))

    @precondition(lambda self: bool(self.ids("pending_approval")))
    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        pending = self.ids("pending_approval")
        if pending:
            oid = data.draw(st.sampled_from(pending))
            self.run(lambda uow: approvals.approve(uow, oid, "tina", None, *uow.limits()))

    @precondition(lambda self: bool(self.ids("pending_approval")))
    @rule(data=st.data())
    def deny(self, data: st.DataObject) -> None:
        pending = self.ids("pending_approval")
        if pending:
            oid = data.draw(st.sampled_from(pending))
            self.run(lambda uow: approvals.deny(uow, oid, "tina", "no", None))

    @precondition(lambda self: bool(self.ids("pending_approval")))
    @rule(data=st.data(), keep=st.sampled_from([D("0.5"), D("1")]),
          tighten_bps=st.integers(0, 40))
    def edit(self, data: st.DataObject, keep: Decimal, tighten_bps: int) -> None:
        pending = self.ids("pending_approval")
        if not pending:
            return
        oid = data.draw(st.sampled_from(pending))

        def job(uow: UnitOfWork) -> Any:
            from gateway.services.transitions import load

            o = load(uow, oid)
            step = STEP[o.symbol]
            quantity = max(step, (o.quantity * keep / step).to_integral_value(ROUND_DOWN) * step)
            price = o.limit_price or D(0)
            if o.side is Side.BUY:  # tighter: a buy pays less, a sell asks more
                price = (price * (1 - D(tighten_bps) / 10_000)).quantize(D("0.01"), ROUND_DOWN)
            else:
                price = (price * (1 + D(tighten_bps) / 10_000)).quantize(D("0.01"), ROUND_UP)
            return edits.edit(uow, oid, "tina", o.version, quantity, price, *uow.limits())

        self.run(job)

    @precondition(lambda self: bool(self.ids("approved")))
    @rule()
    def tighten_while_orders_await_sending(self) -> None:
        # The interleaving the re-check at send exists for: approved under looser limits.
        self.limits_reload(tight=True)
        self.claim_for_sending()

    @precondition(lambda self: bool(self.ids("approved")))
    @rule()
    def claim_for_sending(self) -> None:
        claimed = self.run(lambda uow: execution.claim(uow, *uow.limits(), "test"))
        if isinstance(claimed, Exception):
            raise claimed
        limits, _ = self.holder.current()
        for order in claimed:
            self.assert_within_limits(order.symbol, order.side, limits)
            assert order.quantity * (order.limit_price or D(0)) <= limits.max_order_notional
            self.assert_trader_rules(order.symbol, order.side, limits)

    @rule()
    def stop_watch_looks(self) -> None:
        self.run(stop_watch.tick)

    def assert_trader_rules(self, symbol: str, side: Side, limits: Any) -> None:
        """Recomputed from rows: the equity share, and no widening past a stop level."""
        with self.engine.connect() as conn:
            held = {r.symbol: r for r in conn.execute(select(positions))}
            guarded = set(conn.execute(select(stop_guards.c.symbol)).scalars())
            rows = conn.execute(select(orders.c.side, orders.c.quantity,
                                       orders.c.filled_quantity).where(
                orders.c.symbol == symbol,
                orders.c.state.in_([s.value for s in RESERVING_STATES]))).all()
        pos = D(held[symbol].quantity) if symbol in held else D(0)
        same = sum((D(q) - D(f) for s, q, f in rows if s == side.value), D(0))
        worst = pos + same if side is Side.BUY else pos - same
        reducing = (pos > 0 and side is Side.SELL and worst >= 0) or (
            pos < 0 and side is Side.BUY and worst <= 0)
        equity = limits.account_equity + sum(
            (D(r.realized_pnl) + (self.prices[r.symbol] - D(r.average_price)) * D(r.quantity)
             if r.average_price is not None else D(r.realized_pnl)) for r in held.values())
        value = abs(worst) * self.prices[symbol]
        share = limits.max_position_equity_share
        assert value <= share * max(equity, D(0)) or reducing, (symbol, side, value, equity)
        if pos == 0 or reducing:
            return
        assert symbol not in guarded, (symbol, side, "widened a stopped symbol")
        entry = D(held[symbol].average_price)
        s = limits.symbols[symbol]
        if s.stop_loss_share is not None:
            trigger = entry * (1 - s.stop_loss_share) if pos > 0 else entry * (
                1 + s.stop_loss_share)
        else:
            trigger = entry - s.stop_loss_distance if pos > 0 else entry + s.stop_loss_distance
        past = self.prices[symbol] <= trigger if pos > 0 else self.prices[symbol] >= trigger
        assert not past, (symbol, side, pos, entry, self.prices[symbol], "widened past its stop")

    def assert_within_limits(self, symbol: str, side: Side, limits: Any) -> None:
        """Recomputed from rows: the position plus every reserving order on that side."""
        with self.engine.connect() as conn:
            pos = conn.execute(select(positions.c.quantity).where(
                positions.c.symbol == symbol)).scalar_one_or_none() or D(0)
            rows = conn.execute(select(orders.c.side, orders.c.quantity,
                                       orders.c.filled_quantity).where(
                orders.c.symbol == symbol,
                orders.c.state.in_([s.value for s in RESERVING_STATES]))).all()
        same = sum((D(q) - D(f) for s, q, f in rows if s == side.value), D(0))
        worst = D(pos) + same if side is Side.BUY else D(pos) - same
        cap = limits.symbols[symbol].max_position
        reducing = abs(worst) < abs(D(pos)) and (worst == 0 or (worst > 0) == (D(pos) > 0))
        assert abs(worst) <= cap or reducing, (symbol, side, pos, worst, cap)

    @precondition(lambda self: bool(self.ids("sending", "submitted", "partially_filled")))
    @rule(data=st.data(), fraction=st.sampled_from([D("0.5"), D("1")]))
    def venue_fills(self, data: st.DataObject, fraction: Decimal) -> None:
        live = self.ids("sending", "submitted", "partially_filled")
        if not live:
            return
        oid = data.draw(st.sampled_from(live))

        def job(uow: UnitOfWork) -> Any:
            from gateway.services.transitions import load

            o = load(uow, oid)
            filled = min(o.quantity, o.filled_quantity + (o.quantity * fraction))
            vo = VenueOrder(o.client_order_id or "", "v-" + oid, o.symbol, o.side, o.type,
                            o.quantity, o.limit_price,
                            VenueOrderStatus.CLOSED if filled >= o.quantity
                            else VenueOrderStatus.OPEN,
                            filled, o.limit_price, D(0), uow.now)
            return execution.record_venue_state(uow, oid, vo)

        self.run(job)

    @rule(symbol=st.sampled_from(SYMBOLS), move_bps=st.integers(-300, 300))
    def price_moves(self, symbol: str, move_bps: int) -> None:
        self.prices[symbol] = (self.prices[symbol] * (1 + D(move_bps) / 10_000)).quantize(
            D("0.01"))

    @rule(tight=st.booleans())
    def limits_reload(self, tight: bool) -> None:
        text = TIGHT if tight else LOOSE
        limits, version = parse_limits(text)
        from gateway.services.limits_holder import LoadedLimits

        loaded = LoadedLimits(limits, version, text)
        self.run(lambda uow: limits_admin.install(uow, self.holder, loaded, "risk"))


SendingNeverBreachesLimits.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestSendingNeverBreachesLimits = SendingNeverBreachesLimits.TestCase
