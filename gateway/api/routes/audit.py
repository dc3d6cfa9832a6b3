"""The audit trail, read by page or exported whole, and the live event stream (SSE).

The stream is fed from the audit table itself, so a desk connected to any gateway process
sees every process's changes: the audit trail is the event log.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from gateway.services import audit_export, queries
from gateway.services.audit_export import AuditFilter
from gateway.services.principals import HUMAN_ROLES

from .. import sse
from ..deps import gateway_of, require
from ..schemas import AuditEventOut, AuditPage

router = APIRouter(prefix="/v1", tags=["audit"])
MAX_SEQ = 2**63 - 1  # the largest integer either database stores


def _out(r: queries.AuditRecord) -> AuditEventOut:
    return AuditEventOut(seq=r.seq, ts=r.ts, kind=r.kind, actor=r.actor, order_id=r.order_id,
                         reason=r.reason, payload=r.payload, hash=r.hash)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else audit_export.to_utc(value)


def _filter(after: int, order_id: str | None, actor: str | None, kind: str | None,
            since: datetime | None, until: datetime | None) -> AuditFilter:
    return AuditFilter(since=_utc(since), until=_utc(until), order_id=order_id, actor=actor,
                       kind_prefix=kind, after=after)


SINCE = Query(default=None, description="ISO 8601 time, inclusive (no zone means UTC)")
UNTIL = Query(default=None, description="ISO 8601 time, exclusive (no zone means UTC)")
# Filters are plain text: no NUL (PostgreSQL cannot compare it) and no novels.
NO_NUL = r"^[^\x00]*$"
KIND = Query(default=None, max_length=96, pattern=NO_NUL,
             description="Kind prefix, e.g. `order.`")
ORDER_ID = Query(default=None, max_length=96, pattern=NO_NUL)
ACTOR = Query(default=None, max_length=200, pattern=NO_NUL)


@router.get("/audit", response_model=AuditPage)
async def audit_page(
    request: Request,
    after: int = Query(default=0, ge=0, le=MAX_SEQ,
                       description="Continue after this seq (`next_after`)"),
    limit: int = Query(default=100, ge=1, le=1000),
    order_id: str | None = ORDER_ID,
    actor: str | None = ACTOR,
    kind: str | None = KIND,
    since: datetime | None = SINCE,
    until: datetime | None = UNTIL,
) -> AuditPage:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    f = _filter(after, order_id, actor, kind, since, until)
    rows = await asyncio.to_thread(lambda: list(audit_export.records(gw.engine, f, limit)))
    next_after = rows[-1]["seq"] if len(rows) == limit else None
    return AuditPage(events=[AuditEventOut.model_validate(r) for r in rows],
                     next_after=next_after)


@router.get("/audit/export", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}})
async def audit_export_stream(
    request: Request,
    format: audit_export.Format = "jsonl",
    after: int = Query(default=0, ge=0, le=MAX_SEQ),
    order_id: str | None = ORDER_ID,
    actor: str | None = ACTOR,
    kind: str | None = KIND,
    since: datetime | None = SINCE,
    until: datetime | None = UNTIL,
) -> StreamingResponse:
    """Every matching record, streamed; the same lines as `gateway audit export`."""
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    f = _filter(after, order_id, actor, kind, since, until)
    media = "application/x-ndjson" if format == "jsonl" else "text/csv; charset=utf-8"
    # A sync iterator: Starlette runs each step in a worker thread, off the event loop.
    return StreamingResponse(audit_export.export(gw.engine, f, format), media_type=media,
                             headers={"Content-Disposition":
                                      f'attachment; filename="audit.{format}"'})


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def events(
    request: Request,
    after: int | None = Query(default=None, ge=0, le=MAX_SEQ,
                              description="Replay events after this seq; "
                              "default: only new events (or after Last-Event-ID)"),
) -> StreamingResponse:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    start = await sse.resume_point(request, after, lambda: queries.audit_head_seq(gw.engine))

    async def fetch(cursor: int) -> tuple[list[tuple[int, str, str]], int]:
        records = await asyncio.to_thread(queries.audit_events_page, gw.engine, cursor, 500)
        out = [(r.seq, "audit", json.dumps(_out(r).model_dump(mode="json"),
                                           separators=(",", ":"))) for r in records]
        return out, (records[-1].seq if records else cursor)

    return sse.stream_response(request, start, fetch)
