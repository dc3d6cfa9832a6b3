"""Read side for the desk: producers' records, an order's impact, utilisation and PnL.

Plain queries on their own connections; the figures are computed here so every desk (and
any other client) shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, or_, select

from gateway.adapters.store import positions_repo
from gateway.adapters.store.orders_repo import _utc, order_from_row
from gateway.adapters.store.tables import audit_events, fills, orders, principals
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState, Side
from gateway.domain.positions import Position, apply_fill
from gateway.domain.session import SessionBase, session_figures

ZERO = Decimal(0)
APPROVED_LATER = frozenset({OrderState.APPROVED, OrderState.SENDING, OrderState.SUBMITTED,
                            OrderState.PARTIALLY_FILLED, OrderState.FILLED})
RECENT_VIOLATIONS = 5


@dataclass
class ProducerRecord:
    name: str
    principal: str
    status: str
    proposals: int = 0
    approvals: int = 0
    denials: int = 0
    rejections: int = 0
    pending: int = 0
    proposals_last_hour: int = 0
    filled_pnl: Decimal = ZERO
    violations: list[tuple[str, datetime, str | None]] = field(default_factory=list)


def _read(engine: Engine):  # type: ignore[no-untyped-def]
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


def producers(engine: Engine, now: datetime, marks: Mapping[str, Decimal],
              only: str | None = None) -> list[ProducerRecord]:
    pstmt = select(principals).where(principals.c.kind == "producer").order_by(principals.c.name)
    ostmt = select(orders).order_by(orders.c.created_at.desc())
    if only is not None:
        pstmt = pstmt.where(principals.c.name == only)
        ostmt = ostmt.where(orders.c.producer == only)
    with _read(engine) as conn:
        records = {r.name: ProducerRecord(r.name, r.principal, r.status)
                   for r in conn.execute(pstmt)}
        for row in conn.execute(ostmt):
            rec = records.get(row.producer)
            if rec is not None:
                _count(rec, order_from_row(row), now, marks)
    return list(records.values())


def _count(rec: ProducerRecord, order: Order, now: datetime, marks: Mapping[str, Decimal]) -> None:
    rec.proposals += 1
    rec.proposals_last_hour += order.created_at >= now - timedelta(hours=1)
    rec.approvals += order.state in APPROVED_LATER or (
        order.state is OrderState.CANCELLED and order.decided_at is not None)
    rec.denials += order.state is OrderState.DENIED
    rec.pending += order.state is OrderState.PENDING_APPROVAL
    if order.state is OrderState.REJECTED:
        rec.rejections += 1
        if len(rec.violations) < RECENT_VIOLATIONS:  # rows come newest first
            rec.violations.append((order.id, order.created_at, order.reason))
    mark = marks.get(order.symbol)
    if order.filled_quantity > 0 and order.average_fill_price is not None and mark is not None:
        signed = order.filled_quantity * order.side.sign
        rec.filled_pnl += (mark - order.average_fill_price) * signed - order.fees


def position(engine: Engine, symbol: str) -> Decimal:
    with _read(engine) as conn:
        held = positions_repo.load_positions(conn).get(symbol)
    return ZERO if held is None else held.quantity


def reserved(engine: Engine, symbol: str, side: Side, except_id: str) -> Decimal:
    """Unfilled quantity of every other reserving order on this symbol and side."""
    stmt = select(orders.c.id, orders.c.quantity, orders.c.filled_quantity).where(
        orders.c.symbol == symbol, orders.c.side == side.value,
        orders.c.state.in_([s.value for s in OrderState if s.reserves_exposure]))
    with _read(engine) as conn:
        return sum((Decimal(r.quantity) - Decimal(r.filled_quantity)
                    for r in conn.execute(stmt) if r.id != except_id), start=ZERO)


def usage(limits: Limits, held: Mapping[str, Position], marks: Mapping[str, Decimal],
          session: SessionBase | None = None) -> list[tuple[str, Decimal, Decimal]]:
    """(name, used, limit) for every limit measurable from positions and marks, in a stable
    order; a limit that is not set has no row. New limits add rows here."""
    rows = []
    pnl, drawdown = session_figures(held, marks, session)
    if limits.daily_loss_limit is not None and pnl is not None:
        rows.append(("daily loss", max(-pnl, ZERO), limits.daily_loss_limit))
    if limits.max_drawdown is not None and drawdown is not None:
        rows.append(("drawdown", drawdown, limits.max_drawdown))
    for symbol, sl in sorted(limits.symbols.items()):
        pos = held.get(symbol)
        rows.append((f"{symbol} position", abs(pos.quantity) if pos else ZERO, sl.max_position))
    values = {s: p.quantity * marks[s] for s, p in held.items() if s in marks}
    if limits.max_gross_exposure is not None:
        gross = sum((abs(v) for v in values.values()), start=ZERO)
        rows.append(("gross exposure", gross, limits.max_gross_exposure))
    if limits.max_net_exposure is not None:
        net = abs(sum(values.values(), start=ZERO))
        rows.append(("net exposure", net, limits.max_net_exposure))
    return rows


def all_positions(engine: Engine) -> dict[str, Position]:
    with _read(engine) as conn:
        return positions_repo.load_positions(conn)


def pnl_series(engine: Engine, since: datetime, max_points: int = 500
               ) -> list[tuple[datetime, Decimal]]:
    """Cumulative realized PnL (all symbols, net of fees) after each fill since `since`.

    Replays every fill from the start, because realized PnL depends on the cost basis
    built before the window opened.
    """
    books: dict[str, Position] = {}
    total = ZERO
    points: list[tuple[datetime, Decimal]] = []
    stmt = select(fills).order_by(fills.c.ts, fills.c.id)
    with _read(engine) as conn:
        for f in conn.execute(stmt):
            before = books.get(f.symbol, Position(f.symbol))
            after = apply_fill(before, Side(f.side), f.quantity, f.price, f.fee)
            books[f.symbol] = after
            total += after.realized_pnl - before.realized_pnl
            ts = _utc(f.ts)
            if ts is not None and ts >= since:
                points.append((ts, total))
    return points[-max_points:]


def audit_tail(engine: Engine, limit: int, order_id: str | None = None,
               producer: str | None = None, operator: str | None = None) -> list[Any]:
    """The latest audit records, newest first; `producer` matches its own records and every
    record about its orders, `operator` the records that operator wrote."""
    stmt = select(audit_events)
    if order_id is not None:
        stmt = stmt.where(audit_events.c.order_id == order_id)
    if producer is not None:
        own = select(orders.c.id).where(orders.c.producer == producer)
        stmt = stmt.where(or_(audit_events.c.actor == f"producer:{producer}",
                              audit_events.c.order_id.in_(own)))
    if operator is not None:
        stmt = stmt.where(audit_events.c.actor == f"operator:{operator}")
    with _read(engine) as conn:
        return list(conn.execute(stmt.order_by(audit_events.c.seq.desc()).limit(limit)))
