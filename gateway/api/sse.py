"""Server-sent events fed from the audit table: one loop for every stream the API serves.

Commits wake a stream at once: this process's own, and on PostgreSQL every other gateway
process's too (LISTEN/NOTIFY, see gateway/adapters/store/notify.py), so a client connected to
any process sees every change as it commits. A poll remains as a safety net: every 0.25 s on
SQLite (where other processes cannot notify) or while LISTEN is down, every 5 s otherwise.
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


class CommitSignal:
    """Counts commits (pulsed on the event loop); a stream that fetched at count N and
    found nothing waits only if no commit came since, so none slips between fetch and wait."""

    def __init__(self) -> None:
        self.count = 0
        self._event = asyncio.Event()

    def pulse(self) -> None:
        self.count += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait_after(self, seen: int, timeout: float) -> bool:
        if self.count != seen:
            return True
        try:
            await asyncio.wait_for(self._event.wait(), timeout=timeout)
        except TimeoutError:
            return False
        return True


def stream_response(request: Request, start: int, fetch: Fetch) -> StreamingResponse:
    signal: CommitSignal = request.app.state.committed
    poll_s: Callable[[], float] = getattr(request.app.state, "poll_s", lambda: POLL_S)

    async def stream() -> AsyncIterator[str]:
        cursor, idle = start, 0.0
        yield f": connected at {start}\n\n"
        while not await request.is_disconnected():
            seen = signal.count
            events, cursor = await fetch(cursor)
            for seq, name, data in events:
                yield f"id: {seq}\nevent: {name}\ndata: {data}\n\n"
            if events:
                idle = 0.0
                continue
            wait = poll_s()
            if not await signal.wait_after(seen, wait):
                idle += wait
            if idle >= KEEPALIVE_S:
                idle = 0.0
                yield ": ping\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
