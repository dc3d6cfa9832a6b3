"""Server-sent events fed from the audit table: one loop for every stream the API serves.

Local commits wake a stream at once; other processes' commits are picked up within the poll
interval, so a client connected to any gateway process sees every change.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse

POLL_S = 0.25
KEEPALIVE_S = 10.0

# cursor -> ([(seq, event name, JSON data)], new cursor)
Fetch = Callable[[int], Awaitable[tuple[list[tuple[int, str, str]], int]]]


async def resume_point(request: Request, after: int | None, head: Callable[[], int]) -> int:
    """Where a stream starts: `after`, else Last-Event-ID, else only what is new."""
    last_id = request.headers.get("last-event-id", "")
    if after is not None:
        return after
    if last_id.isdigit():
        return int(last_id)
    return await asyncio.to_thread(head)


def stream_response(request: Request, start: int, fetch: Fetch) -> StreamingResponse:
    notifier: asyncio.Event = request.app.state.committed

    async def stream() -> AsyncIterator[str]:
        cursor, idle = start, 0.0
        yield f": connected at {start}\n\n"
        while not await request.is_disconnected():
            events, cursor = await fetch(cursor)
            for seq, name, data in events:
                yield f"id: {seq}\nevent: {name}\ndata: {data}\n\n"
            if events:
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
