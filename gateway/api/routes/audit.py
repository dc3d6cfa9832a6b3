"""The audit trail, read by page, and the live event stream (server-sent events).

The stream is fed from the audit table itself, so a desk connected to any gateway process
sees every process's changes: the audit trail is the event log.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from gateway.services import queries
from gateway.services.principals import HUMAN_ROLES

from ..deps import gateway_of, require
from ..schemas import AuditEventOut, AuditPage

router = APIRouter(prefix="/v1", tags=["audit"])
KEEPALIVE_S = 10.0
CROSS_PROCESS_POLL_S = 0.25


def _out(r: queries.AuditRecord) -> AuditEventOut:
    return AuditEventOut(seq=r.seq, ts=r.ts, kind=r.kind, actor=r.actor, order_id=r.order_id,
                         reason=r.reason, payload=r.payload, hash=r.hash)


@router.get("/audit", response_model=AuditPage)
async def audit_page(
    request: Request,
    after: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
    order_id: str | None = None,
    actor: str | None = None,
    kind: str | None = Query(default=None, description="Kind prefix, e.g. `order.`"),
) -> AuditPage:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    records = await asyncio.to_thread(queries.audit_events_page, gw.engine, after, limit,
                                      order_id, actor, kind)
    next_after = records[-1].seq if len(records) == limit else None
    return AuditPage(events=[_out(r) for r in records], next_after=next_after)


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def events(
    request: Request,
    after: int | None = Query(default=None, ge=0, description="Replay events after this seq; "
                              "default: only new events (or after Last-Event-ID)"),
) -> StreamingResponse:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    last_id = request.headers.get("last-event-id", "")
    if after is not None:
        start = after
    elif last_id.isdigit():
        start = int(last_id)
    else:
        start = await asyncio.to_thread(queries.audit_head_seq, gw.engine)
    notifier: asyncio.Event = request.app.state.committed

    async def stream() -> AsyncIterator[str]:
        cursor = start
        idle = 0.0
        yield ": connected\n\n"
        while not await request.is_disconnected():
            records = await asyncio.to_thread(queries.audit_events_page, gw.engine, cursor, 500)
            for r in records:
                cursor = r.seq
                data = json.dumps(_out(r).model_dump(mode="json"), separators=(",", ":"))
                yield f"id: {r.seq}\nevent: audit\ndata: {data}\n\n"
            if records:
                idle = 0.0
                continue
            try:
                # Local commits wake us at once; other processes' within the poll interval.
                await asyncio.wait_for(notifier.wait(), timeout=CROSS_PROCESS_POLL_S)
            except TimeoutError:
                idle += CROSS_PROCESS_POLL_S
            if idle >= KEEPALIVE_S:
                idle = 0.0
                yield ": ping\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
