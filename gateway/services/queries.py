"""Read side: plain queries on their own connections, never through the writer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, case, func, select

from gateway.adapters.store import guards_repo, orders_repo, positions_repo
from gateway.adapters.store.orders_repo import _utc
from gateway.adapters.store.tables import audit_events, gateway_state, orders
from gateway.adapters.store.uow import HaltState, read_scoped
from gateway.domain.halts import Halt, HaltBook
from gateway.domain.orders import SYSTEM_ORIGIN, VENUE_STATES, Order, OrderState
from gateway.domain.positions import Position
from gateway.domain.session import SessionBase
from gateway.services.tracker import Tracked


@dataclass(frozen=True, slots=True)
class OrderView:
    order: Order
    checks: list[dict[str, Any]]


def _read(engine: Engine) -> Any:
    # Reads must not take SQLite's write lock.
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


def get_order(engine: Engine, order_id: str) -> OrderView | None:
    with _read(engine) as conn:
        row = orders_repo.get_row(conn, order_id)
        return None if row is None else OrderView(orders_repo.order_from_row(row),
                                                  orders_repo.checks_from_row(row))


def list_orders(
    engine: Engine,
    states: list[OrderState] | None = None,
    producer: str | None = None,
    limit: int = 200,
) -> list[OrderView]:
    stmt = select(orders)
    if states:
        stmt = stmt.where(orders.c.state.in_([s.value for s in states]))
    if producer is not None:
        stmt = stmt.where(orders.c.producer == producer)
    if states == [OrderState.PENDING_APPROVAL]:
        # Protective exits the gateway raised come first, then the soonest to expire.
        system_first = case((orders.c.origin == SYSTEM_ORIGIN, 0), else_=1)
        stmt = stmt.order_by(system_first, orders.c.expires_at, orders.c.id)
    else:
        stmt = stmt.order_by(orders.c.created_at.desc(), orders.c.id.desc())
    with _read(engine) as conn:
        return [OrderView(orders_repo.order_from_row(r), orders_repo.checks_from_row(r))
                for r in conn.execute(stmt.limit(limit))]


def open_venue_orders(engine: Engine) -> list[Order]:
    with _read(engine) as conn:
        return orders_repo.orders_in_states(conn, VENUE_STATES)


def tracked_venue_orders(engine: Engine) -> list[Tracked]:
    """Orders at (or on their way to) the venue, with only what following them needs."""
    stmt = select(orders.c.id, orders.c.symbol, orders.c.client_order_id, orders.c.state,
                  orders.c.filled_quantity).where(
        orders.c.state.in_([s.value for s in VENUE_STATES])).order_by(
        orders.c.created_at, orders.c.id)
    with _read(engine) as conn:
        return [Tracked(r.id, r.symbol, r.client_order_id, OrderState(r.state),
                        r.filled_quantity) for r in conn.execute(stmt)]


def sending_claimed_by(engine: Engine, instance: str) -> list[str]:
    """Orders a process claimed and left `sending`: their outcome at the venue is unknown."""
    with _read(engine) as conn:
        return list(conn.execute(select(orders.c.id).where(
            orders.c.state == OrderState.SENDING.value,
            orders.c.claimed_by == instance)).scalars())


def stopped_venue_orders(engine: Engine, book: HaltBook) -> list[Order]:
    """Orders at (or on their way to) the venue that a halt in `book` stops."""
    with _read(engine) as conn:
        return orders_repo.stopped(conn, VENUE_STATES, book)


def positions(engine: Engine) -> dict[str, Position]:
    with _read(engine) as conn:
        return positions_repo.load_positions(conn)


def halt_state(engine: Engine) -> HaltState:
    with _read(engine) as conn:
        row = conn.execute(select(gateway_state).where(gateway_state.c.id == 1)).one()
        return HaltState(bool(row.halted), row.halt_reason, row.halt_actor, _utc(row.halt_since),
                         row.halt_rule)


def halts(engine: Engine) -> tuple[HaltState, tuple[Halt, ...]]:
    """The global halt and the scoped ones, read together."""
    with _read(engine) as conn, conn.begin():
        row = conn.execute(select(gateway_state).where(gateway_state.c.id == 1)).one()
        state = HaltState(bool(row.halted), row.halt_reason, row.halt_actor,
                          _utc(row.halt_since), row.halt_rule)
        return state, read_scoped(conn)


def open_at_venue(engine: Engine, producer: str | None = None) -> dict[str, dict[str, int]]:
    """symbol -> state -> count of the orders at (or on their way to) the venue."""
    stmt = (select(orders.c.symbol, orders.c.state, func.count())
            .where(orders.c.state.in_([s.value for s in VENUE_STATES]))
            .group_by(orders.c.symbol, orders.c.state))
    if producer is not None:
        stmt = stmt.where(orders.c.producer == producer)
    out: dict[str, dict[str, int]] = {}
    with _read(engine) as conn:
        for symbol, state, n in conn.execute(stmt):
            out.setdefault(symbol, {})[state] = int(n)
    return out


def session_base(engine: Engine) -> SessionBase | None:
    """The daily-loss session the risk monitor keeps in the state row (None before it ran)."""
    with _read(engine) as conn:
        row = conn.execute(select(gateway_state).where(gateway_state.c.id == 1)).one()
    if row.session_start is None:
        return None
    return SessionBase(_utc(row.session_start), row.session_realized_base,  # type: ignore[arg-type]
                       row.session_unrealized_base, row.session_equity_peak)


def stopped_symbols(engine: Engine) -> list[str]:
    with _read(engine) as conn:
        return sorted(guards_repo.stopped_symbols(conn))


def counts_by_state(engine: Engine, producer: str | None = None) -> dict[str, int]:
    stmt = select(orders.c.state, func.count()).group_by(orders.c.state)
    if producer is not None:
        stmt = stmt.where(orders.c.producer == producer)
    with _read(engine) as conn:
        rows = conn.execute(stmt)
        return {state: int(n) for state, n in rows}


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    ts: Any
    kind: str
    actor: str
    order_id: str | None
    reason: str | None
    payload: dict[str, Any]
    hash: str


def audit_events_page(
    engine: Engine, after: int = 0, limit: int = 100, order_id: str | None = None,
    actor: str | None = None, kind_prefix: str | None = None,
) -> list[AuditRecord]:
    stmt = select(audit_events).where(audit_events.c.seq > after)
    if order_id is not None:
        stmt = stmt.where(audit_events.c.order_id == order_id)
    if actor is not None:
        stmt = stmt.where(audit_events.c.actor == actor)
    if kind_prefix is not None:
        stmt = stmt.where(audit_events.c.kind.startswith(kind_prefix))
    stmt = stmt.order_by(audit_events.c.seq).limit(limit)
    with _read(engine) as conn:
        out = []
        for r in conn.execute(stmt):
            body = json.loads(r.body)
            out.append(AuditRecord(r.seq, _utc(r.ts), r.kind, r.actor, r.order_id,
                                   body.get("reason"), body.get("payload", {}), r.hash))
        return out


def audit_head_seq(engine: Engine) -> int:
    with _read(engine) as conn:
        return int(conn.execute(select(func.max(audit_events.c.seq))).scalar() or 0)


def unrealized(positions_: Mapping[str, Position], prices: Mapping[str, Decimal]) -> Decimal:
    total = Decimal(0)
    for symbol, pos in positions_.items():
        value = pos.unrealized(prices.get(symbol))
        if value is not None:
            total += value
    return total
