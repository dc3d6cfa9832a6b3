"""The hash-chained audit log. Appends happen inside the writer's transaction, in order.

Each record's hash covers its position, its canonical body and the previous hash, so an
edit, deletion, insertion or reordering breaks the chain at that record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from .bulk import BulkInsert
from .canonical import Encoded, canonical
from .tables import audit_events

__all__ = ["GENESIS", "AuditAppender", "Encoded", "Head", "canonical", "chain_hash", "read_head"]

GENESIS = "0" * 64


def chain_hash(prev_hash: str, seq: int, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str


_HEAD = select(audit_events.c.seq, audit_events.c.hash).order_by(
    audit_events.c.seq.desc()).limit(1)
_BULK = BulkInsert(audit_events)


def read_head(conn: Connection) -> Head:
    row = conn.execute(_HEAD).first()
    return Head(0, GENESIS) if row is None else Head(row.seq, row.hash)


class AuditAppender:
    """Buffers records for one transaction; `flush` inserts them in one round trip."""

    def __init__(self, head: Head) -> None:
        self.head = head
        self.rows: list[dict[str, Any]] = []

    def append(
        self,
        ts: datetime,
        kind: str,
        actor: str,
        *,
        order_id: str | None = None,
        reason: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int:
        seq = self.head.seq + 1
        body = canonical(
            {"ts": ts, "kind": kind, "actor": actor, "order_id": order_id, "reason": reason,
             "payload": payload or {}}
        )
        digest = chain_hash(self.head.hash, seq, body)
        self.rows.append(
            {"seq": seq, "ts": ts, "kind": kind, "actor": actor, "order_id": order_id,
             "body": body, "prev_hash": self.head.hash, "hash": digest}
        )
        self.head = Head(seq, digest)
        return seq

    def mark(self) -> tuple[int, Head]:
        return len(self.rows), self.head

    def reset(self, mark: tuple[int, Head]) -> None:
        del self.rows[mark[0]:]
        self.head = mark[1]

    def flush(self, conn: Connection) -> None:
        if self.rows:
            _BULK.execute(conn, self.rows)
            self.rows = []
