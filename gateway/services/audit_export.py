"""Read the audit trail out: filtered, streamed, as JSON lines or CSV.

Every field comes from the hashed body (the columns only serve to filter), so an export
says exactly what the chain vouches for, and carries `prev_hash` and `hash` so anyone can
re-check it: body = canonical JSON of {ts, kind, actor, order_id, reason, payload}.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, select

from gateway.adapters.store.tables import audit_events

Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")
CSV_COLUMNS = ("seq", "ts", "kind", "actor", "order_id", "reason", "payload", "prev_hash",
               "hash")
STREAM_ROWS = 5_000


def parse_time(text: str) -> datetime:
    """ISO 8601 (a date alone means its midnight); a time without a zone is UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 time; write e.g. 2026-11-22 or "
                         "2026-11-22T06:30:00Z") from exc
    return to_utc(value)


def to_utc(value: datetime) -> datetime:
    """UTC, as stored (SQLite compares the text, so another offset would compare wrongly).
    A time too close to the calendar's ends to shift is clamped: it is past every record."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.max if value.year > 1 else datetime.min).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    order_id: str | None = None
    actor: str | None = None
    kind_prefix: str | None = None
    after: int = 0  # seq to continue after (pagination)


def _statement(f: AuditFilter) -> Any:
    t = audit_events.c
    stmt = select(t.seq, t.body, t.prev_hash, t.hash).where(t.seq > f.after)
    if f.since is not None:
        stmt = stmt.where(t.ts >= f.since)
    if f.until is not None:
        stmt = stmt.where(t.ts < f.until)
    if f.order_id is not None:
        stmt = stmt.where(t.order_id == f.order_id)
    if f.actor is not None:
        stmt = stmt.where(t.actor == f.actor)
    if f.kind_prefix is not None:
        stmt = stmt.where(t.kind.startswith(f.kind_prefix, autoescape=True))
    return stmt.order_by(t.seq)


def record(seq: int, body: str, prev_hash: str, digest: str) -> dict[str, Any]:
    b = json.loads(body)
    return {"seq": seq, "ts": b["ts"], "kind": b["kind"], "actor": b["actor"],
            "order_id": b["order_id"], "reason": b["reason"], "payload": b["payload"],
            "prev_hash": prev_hash, "hash": digest}


def records(engine: Engine, f: AuditFilter, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Matching records in seq order, streamed (a server-side cursor on PostgreSQL)."""
    stmt = _statement(f)
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect().execution_options(stream_results=True, yield_per=STREAM_ROWS,
                                            sqlite_begin="DEFERRED") as conn:
        for part in conn.execute(stmt).partitions():
            for seq, body, prev_hash, digest in part:
                yield record(seq, body, prev_hash, digest)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for r in rows:
        yield _json(r) + "\n"


def csv_text(rows: Iterable[dict[str, Any]], chunk: int = 500) -> Iterator[str]:
    """A header, then the rows; payload is its canonical JSON text. Yielded in chunks."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for n, r in enumerate(rows, 1):
        out.writerow([_json(r["payload"]) if c == "payload" else r[c] for c in CSV_COLUMNS])
        if n % chunk == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export(engine: Engine, f: AuditFilter, fmt: Format) -> Iterator[str]:
    rows = records(engine, f)
    return jsonl(rows) if fmt == "jsonl" else csv_text(rows)
