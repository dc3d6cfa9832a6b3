"""The webhook outbox: enqueue in the event's own transaction, claim with a lease, settle.

Claiming takes row locks with SKIP LOCKED on PostgreSQL (processes never wait for or take
each other's rows) and pushes the row's next attempt past a lease, so a process that dies
mid-delivery leaves it to be retried by any process once the lease ends: delivery is at
least once, and receivers drop repeats by the delivery id (`key`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, exists, insert, literal, select, update

from gateway.domain.orders import OrderState

from .tables import notifications, orders


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    key: str
    event: str
    body: str
    attempts: int
    delivered: tuple[str, ...]


def enqueue(conn: Connection, now: datetime, key: str, event: str,
            body: dict[str, Any]) -> None:
    conn.execute(insert(notifications).values(
        key=key, event=event, created_at=now, body=json.dumps(body, sort_keys=True, default=str),
        status="pending", attempts=0, next_attempt_at=now, delivered="[]"))


def waiting_orders(conn: Connection, cutoff: datetime, limit: int = 100) -> list[Any]:
    """Orders pending since before `cutoff` that nobody has been told about yet."""
    told = exists().where(notifications.c.key == literal("order.waiting:") + orders.c.id)
    return list(conn.execute(
        select(orders.c.id, orders.c.producer, orders.c.symbol, orders.c.side,
               orders.c.quantity, orders.c.limit_price, orders.c.created_at,
               orders.c.expires_at)
        .where(orders.c.state == OrderState.PENDING_APPROVAL.value,
               orders.c.created_at <= cutoff, ~told)
        .order_by(orders.c.created_at).limit(limit)))


def prune_sent(engine: Engine, before: datetime) -> int:
    """Delete notifications delivered before `before`; pending and given-up ones stay (the
    latter are what an operator looks at after a delivery outage). The audit trail keeps
    every event they told of."""
    with engine.begin() as conn:
        return int(conn.execute(delete(notifications).where(
            notifications.c.status == "sent", notifications.c.sent_at < before)).rowcount)


def claim_due(engine: Engine, now: datetime, lease_s: float, limit: int = 20) -> list[Notification]:
    with engine.connect() as conn, conn.begin():
        rows = conn.execute(
            select(notifications).where(notifications.c.status == "pending",
                                        notifications.c.next_attempt_at <= now)
            .order_by(notifications.c.id).limit(limit)
            .with_for_update(skip_locked=True)).all()
        if not rows:
            return []
        conn.execute(update(notifications)
                     .where(notifications.c.id.in_([r.id for r in rows]))
                     .values(next_attempt_at=now + timedelta(seconds=lease_s),
                             attempts=notifications.c.attempts + 1))
    return [Notification(r.id, r.key, r.event, r.body, r.attempts + 1,
                         tuple(json.loads(r.delivered))) for r in rows]


def settle(engine: Engine, n: Notification, now: datetime, delivered: tuple[str, ...],
           error: str | None, retry_at: datetime | None) -> str:
    """Record an attempt: sent (every URL took it), retried at `retry_at`, or failed."""
    status = "sent" if error is None else ("pending" if retry_at is not None else "failed")
    with engine.connect() as conn, conn.begin():
        conn.execute(update(notifications).where(notifications.c.id == n.id).values(
            status=status, delivered=json.dumps(sorted(delivered)), last_error=error,
            sent_at=now if error is None else None,
            next_attempt_at=retry_at if retry_at is not None else now))
    return status


def backlog(conn: Connection) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).where(
        notifications.c.status == "pending")).scalar_one())
