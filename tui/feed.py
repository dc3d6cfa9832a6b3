"""Follow the gateway's event stream forever, reconnecting with backoff from the last seq."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message

from tui.client import DeskApi, DeskError
from tui.messages import AuditReceived, FeedDown, FeedUp


@dataclass(frozen=True)
class Backoff:
    """Exponential delays between reconnection attempts, capped."""

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 15.0
    jitter: float = 0.25
    """Up to this fraction is taken off at random, so many desks do not reconnect in step."""

    def delay(self, attempt: int, draw: float | None = None) -> float:
        """`draw` in [0, 1) picks the jitter; default random."""
        full = min(self.cap, self.initial * self.factor**attempt)
        return full * (1 - self.jitter * (random.random() if draw is None else draw))


async def follow_events(
    api: DeskApi,
    post: Callable[[Message], object],
    backoff: Backoff,
    after: int | None = None,
) -> None:
    """Post FeedUp / AuditReceived / FeedDown until cancelled.

    `after=None` on the first connection sends no `after`: the gateway then streams only
    what commits from then on (FeedUp makes the desk reload its queue for the rest). On
    reconnection the last seq seen is sent, so only missed events come.
    """
    attempt = 0
    while True:
        try:
            async with api.events(after) as stream:
                attempt = 0
                post(FeedUp())
                async for event in stream:
                    after = event.seq if after is None else max(after, event.seq)
                    post(AuditReceived(event))
            reason = "the gateway closed the event stream"
        except DeskError as err:
            reason = err.message
        delay = backoff.delay(attempt)
        attempt += 1
        post(FeedDown(reason, delay))
        await asyncio.sleep(delay)
