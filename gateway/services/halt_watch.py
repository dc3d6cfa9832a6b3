"""What an executor does when a halt is set anywhere: cancel at the venue what the halts in
force stop, and withdraw what waits for a decision or a send in a halted scope.

Woken from any thread (`signal`): by this process's writer after a commit that changed a
halt, by LISTEN on PostgreSQL when another process (or the CLI writing straight to the
database) did; the executor's follow beat calls `react` too, as a safety net.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from gateway.adapters.store.writer import Writer
from gateway.domain.halts import HaltBook

from . import halt

log = logging.getLogger(__name__)


class HaltWatch:
    def __init__(self, writer: Writer, cancel: Callable[[HaltBook], Awaitable[int]],
                 venue_down: Callable[[], bool]) -> None:
        self.writer = writer
        self._cancel = cancel
        self._venue_down = venue_down
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._withdrawing: asyncio.Task[None] | None = None
        self._again = False

    def signal(self) -> None:
        """Thread-safe: a halt was set or lifted somewhere; react at once."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake.set()  # a halt may have come while this process was down
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                try:
                    await self.react()
                except Exception:
                    log.exception("reaction to a halt failed")
        finally:
            if self._withdrawing is not None:
                self._withdrawing.cancel()  # the process stops; the next start goes on

    async def react(self) -> None:
        """Cancel what the halts in force stop (one pass at a time) and have what waits in a
        halted scope withdrawn. Idempotent."""
        async with self._lock:
            book = await self.writer.run(lambda uow: uow.halts, urgent=True)
            if not book:
                return
            self._withdraw_soon()  # beside the cancels, never in their way
            if not self._venue_down():
                await self._cancel(book)

    async def withdrawn(self) -> None:
        """Wait for a withdrawal in progress to finish (a flatten sizes against the rest)."""
        if self._withdrawing is not None:
            await asyncio.shield(self._withdrawing)

    def _withdraw_soon(self) -> None:
        if self._withdrawing is not None and not self._withdrawing.done():
            self._again = True  # the running pass goes round once more
            return
        self._withdrawing = asyncio.create_task(self._withdraw())

    async def _withdraw(self) -> None:
        """Withdraw in short transactions (each re-reads the halts) until none is left."""
        self._again = True
        try:
            while self._again:
                self._again = False
                while len(await self.writer.run(halt.withdraw_halted)) >= halt.WITHDRAW_BATCH:
                    pass
        except Exception:
            log.exception("withdrawal under a halt failed; the next beat tries again")
