"""Which events become webhook notifications, and what each says.

Audit-derived notifications are enqueued by a writer hook in the very transaction that
writes the audit record (so none is lost and none exists for a rolled-back change); an
order waiting too long is found by a periodic writer job, enqueued once per order (the
delivery id is unique). Payloads carry names, reasons and order facts, never a secret.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from gateway.adapters.store import outbox_repo
from gateway.adapters.store.uow import UnitOfWork

# audit kind -> the notification's event name
NOTIFY = {"halt.set": "gateway.halted", "halt.cleared": "gateway.resumed",
          "producer.quarantined": "producer.quarantined", "venue.mismatch": "venue.mismatch"}
ORDER_WAITING = "order.waiting"


def enqueue_from_audit(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Writer hook: one notification for each audit row of a notified kind."""
    for row in rows:
        event = NOTIFY.get(row["kind"])
        if event is None:
            continue
        record = json.loads(row["body"])
        body = {"event": event, "id": f"audit:{row['seq']}", "at": record["ts"],
                "audit_seq": row["seq"], "actor": row["actor"], "order_id": row["order_id"],
                "reason": record.get("reason"), "details": record.get("payload") or {}}
        outbox_repo.enqueue(conn, row["ts"], body["id"], event, body)


def enqueue_waiting(uow: UnitOfWork, waiting_s: float) -> int:
    """Writer job: a notification for each order pending longer than `waiting_s`, once."""
    found = outbox_repo.waiting_orders(uow.conn, uow.now - timedelta(seconds=waiting_s))
    for o in found:
        key = f"{ORDER_WAITING}:{o.id}"
        created = o.created_at if o.created_at.tzinfo else o.created_at.replace(
            tzinfo=uow.now.tzinfo)
        outbox_repo.enqueue(uow.conn, uow.now, key, ORDER_WAITING, {
            "event": ORDER_WAITING, "id": key, "at": uow.now.isoformat(), "order_id": o.id,
            "details": {"producer": o.producer, "symbol": o.symbol, "side": o.side,
                        "quantity": str(o.quantity), "limit_price": (
                            None if o.limit_price is None else str(o.limit_price)),
                        "waiting_s": round((uow.now - created).total_seconds()),
                        "expires_at": str(o.expires_at)}})
    return len(found)
