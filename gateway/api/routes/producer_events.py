"""A producer's own event stream: each change to one of its orders, pushed as it commits.

The operators' /v1/events carries every audit record; this one carries only the caller's
orders (decisions, fills, expiry, cancellation), which is what the SDK's wait() listens to.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from gateway.services import producer_feed
from gateway.services.principals import Role

from ..deps import gateway_of, require
from ..views import order_out

router = APIRouter(prefix="/v1/orders", tags=["orders"])
POLL_S = 0.25
KEEPALIVE_S = 10.0


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def order_events(
    request: Request,
    after: int | None = Query(default=None, ge=0, description="Replay events after this seq; "
                              "default: only new events (or after Last-Event-ID)"),
) -> StreamingResponse:
    who = await require(request, Role.PRODUCER)
    gw = gateway_of(request)
    last_id = request.headers.get("last-event-id", "")
    if after is not None:
        start = after
    elif last_id.isdigit():
        start = int(last_id)
    else:
        start = await asyncio.to_thread(producer_feed.head_seq, gw.engine)
    notifier: asyncio.Event = request.app.state.committed

    async def stream() -> AsyncIterator[str]:
        cursor, idle = start, 0.0
        yield f": connected at {start}\n\n"
        while not await request.is_disconnected():
            found, cursor = await asyncio.to_thread(producer_feed.events_after, gw.engine,
                                                    who.name, cursor)
            for e in found:
                data = {"seq": e.seq, "kind": e.kind,
                        "order": order_out(e.view.order, e.view.checks).model_dump(mode="json")}
                yield f"id: {e.seq}\nevent: order\ndata: {json.dumps(data)}\n\n"
            if found:
                idle = 0.0
                continue
            try:
                await asyncio.wait_for(notifier.wait(), timeout=POLL_S)
            except TimeoutError:
                idle += POLL_S
            if idle >= KEEPALIVE_S:
                idle = 0.0
                yield ": ping\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
