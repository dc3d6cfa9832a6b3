"""Build audit chains in memory with the real appender, and tamper with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from gateway.adapters.store.audit import GENESIS, AuditAppender, Head, chain_hash
from gateway.services.audit_verify import ChainRow

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def build(n: int, start: Head = Head(0, GENESIS)) -> list[ChainRow]:
    appender = AuditAppender(start)
    for i in range(n):
        appender.append(T0 + timedelta(seconds=i), "order.proposed", f"producer:bot{i % 3}",
                        order_id=f"ord_{i % 5}", reason=None if i % 2 else "why",
                        payload={"quantity": Decimal("0.1") * i, "note": "é\"\\"})
    return [as_row(r) for r in appender.rows]


def as_row(r: dict[str, Any]) -> ChainRow:
    return (r["seq"], r["body"], r["prev_hash"], r["hash"], r["kind"], r["actor"], r["order_id"])


def locate_in(rows: list[ChainRow]) -> Any:
    by_hash = {r[3]: r[0] for r in rows}
    return by_hash.get


def rehash(rows: list[ChainRow], start: int = 0) -> list[ChainRow]:
    """What an attacker does to hide a change: recompute every hash from `start` on."""
    out = rows[:start]
    prev = out[-1][3] if out else GENESIS
    for seq, body, _, _, kind, actor, order_id in rows[start:]:
        digest = chain_hash(prev, seq, body)
        out.append((seq, body, prev, digest, kind, actor, order_id))
        prev = digest
    return out
