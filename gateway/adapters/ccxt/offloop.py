"""An event loop on a thread of its own, for venue reads whose replies are large.

ccxt parses a reply inside the coroutine that awaited it, without yielding: listing 1,000
open orders holds an event loop for about 100 ms (several times that on a busy machine).
On the gateway's own loop that would stall every request it serves, a halt included. On
this loop the same work only shares the interpreter, which hands the gateway's loop its turn
every few milliseconds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on this thread's loop; await its result from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()
