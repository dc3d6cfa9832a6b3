"""A producer's own event stream: each change to one of its orders, pushed as it commits.

The operators' /v1/events carries every audit record; this one carries only the caller's
orders (decisions, fills, expiry, cancellation), which is what the SDK's wait() listens to.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from gateway.services import producer_feed
from gateway.services.principals import Role

from .. import sse
from ..deps import gateway_of, require
from ..views import order_out

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def order_events(
    request: Request,
    after: int | None = Query(default=None, ge=0, description="Replay events after this seq; "
                              "default: only new events (or after Last-Event-ID)"),
) -> StreamingResponse:
    who = await require(request, Role.PRODUCER)
    gw = gateway_of(request)
    start = await sse.resume_point(request, after, lambda: producer_feed.head_seq(gw.engine))

    async def fetch(cursor: int) -> tuple[list[tuple[int, str, str]], int]:
        found, cursor = await asyncio.to_thread(producer_feed.events_after, gw.engine,
                                                who.name, cursor)
        out = [(e.seq, "order", json.dumps({
            "seq": e.seq, "kind": e.kind,
            "order": order_out(e.view.order, e.view.checks).model_dump(mode="json")}))
            for e in found]
        return out, cursor

    return sse.stream_response(request, start, fetch)
