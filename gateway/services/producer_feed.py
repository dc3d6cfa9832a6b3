"""A producer's own order events: audit records joined to the orders it proposed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from gateway.adapters.store.tables import audit_events, orders

from . import queries


@dataclass(frozen=True, slots=True)
class OrderEvent:
    seq: int
    kind: str
    view: queries.OrderView


def head_seq(engine: Engine) -> int:
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        return int(conn.execute(select(func.max(audit_events.c.seq))).scalar() or 0)


def events_after(engine: Engine, producer: str, after: int, limit: int = 200
                 ) -> tuple[list[OrderEvent], int]:
    """Events on `producer`'s orders after `after`, and the cursor to continue from."""
    stmt = (select(audit_events.c.seq, audit_events.c.kind, audit_events.c.order_id)
            .join(orders, orders.c.id == audit_events.c.order_id)
            .where(audit_events.c.seq > after, orders.c.producer == producer)
            .order_by(audit_events.c.seq).limit(limit))
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        rows = list(conn.execute(stmt))
    out = []
    for row in rows:
        view = queries.get_order(engine, row.order_id)
        if view is not None:
            out.append(OrderEvent(row.seq, row.kind, view))
    return out, (rows[-1].seq if rows else after)
