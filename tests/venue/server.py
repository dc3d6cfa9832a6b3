"""Run the local venue on 127.0.0.1 with a free port, in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from tests.venue.app import VenueApp
from tests.venue.book import BookOrder, VenueBook
from tests.venue.faults import Fault

API_KEY = "local-venue-key"
SECRET = "local-venue-secret"


class LocalVenue:
    def __init__(self, book: VenueBook | None = None, api_key: str = API_KEY,
                 secret: str = SECRET, port: int = 0) -> None:
        self.book = book or VenueBook()
        self.http = VenueApp(self.book, api_key, secret)
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="local-venue",
                                        daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalVenue:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.http.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.http.faults.clear()
        if self._runner is None:
            return
        runner, self._runner = self._runner, None
        asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> LocalVenue:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- test conveniences ----------------------------------------------------------------

    def inject(self, method: str, path: str, kind: str, **kw: object) -> Fault:
        return self.http.faults.add(Fault(method, path, kind, **kw))  # type: ignore[arg-type]

    def order(self, client_id: str) -> BookOrder:
        with self.book.lock:
            return self.book.by_client[client_id]

    def orders_for(self, client_id: str) -> list[BookOrder]:
        with self.book.lock:
            return [o for o in self.book.orders.values() if o.client_id == client_id]

    def creates(self) -> int:
        return sum(1 for r in self.http.requests if r == ("POST", "/api/v3/order"))
