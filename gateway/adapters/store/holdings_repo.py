"""Venue baselines and the fills read against them. Writes run in the writer's transaction."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Connection, delete, func, insert, select

from gateway.domain.holdings import Baseline, Fill
from gateway.domain.orders import Side

from .orders_repo import _utc
from .tables import audit_events, fills, venue_baselines

# Audit kinds that mean an order of ours may have moved the venue's holdings.
_VENUE_ACTIVITY = ("order.sending", "order.fill")


def load_baseline(conn: Connection, venue: str) -> Baseline | None:
    row = conn.execute(select(venue_baselines).where(venue_baselines.c.venue == venue)).first()
    if row is None:
        return None
    amounts = {c: Decimal(v) for c, v in json.loads(row.amounts).items()}
    recorded_at = _utc(row.recorded_at)
    assert recorded_at is not None
    return Baseline(row.venue, amounts, row.fills_after, recorded_at)


def save_baseline(conn: Connection, baseline: Baseline) -> None:
    conn.execute(insert(venue_baselines).values(
        venue=baseline.venue, fills_after=baseline.fills_after,
        recorded_at=baseline.recorded_at,
        amounts=json.dumps({c: format(v, "f") for c, v in sorted(baseline.amounts.items())})))


def delete_baseline(conn: Connection, venue: str) -> None:
    conn.execute(delete(venue_baselines).where(venue_baselines.c.venue == venue))


def last_fill_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(fills.c.id), 0))).scalar_one())


def fills_after(conn: Connection, fill_id: int) -> list[Fill]:
    rows = conn.execute(select(fills).where(fills.c.id > fill_id).order_by(fills.c.id))
    return [Fill(r.id, r.symbol, Side(r.side), r.quantity, r.price, r.fee) for r in rows]


def venue_activity_since(conn: Connection, seq: int) -> bool:
    """Whether any order was claimed for sending, or any fill recorded, after audit `seq`."""
    found = conn.execute(select(audit_events.c.seq).where(
        audit_events.c.seq > seq, audit_events.c.kind.in_(_VENUE_ACTIVITY)).limit(1)).first()
    return found is not None
