"""The narrow execution layer: claims approved orders, sends them, follows them to the end.

Exactly once: the claim (-> sending) is durable before the venue call; a send whose outcome
is unknown is resolved by asking the venue for the client order id, never by resending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from gateway.adapters.store.writer import Writer
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState
from gateway.ports.exchange import (
    DuplicateOrder,
    Exchange,
    OrderNotFound,
    OrderRefused,
    RateLimited,
    VenueError,
    VenueOrder,
    VenueOrderRequest,
)

from . import approvals, execution
from .queries import open_venue_orders

log = logging.getLogger(__name__)


class Executor:
    def __init__(
        self,
        writer: Writer,
        exchange: Exchange,
        limits: Callable[[], tuple[Limits, str]],
        instance: str,
        reader: Callable[[], list[Order]] | None = None,
        poll_s: float = 0.2,
        unknown_grace_s: float = 15.0,
    ) -> None:
        self.writer = writer
        self.exchange = exchange
        self.limits = limits
        self.instance = instance
        self._reader = reader
        self.poll_s = poll_s
        self.unknown_grace_s = unknown_grace_s
        self._wake = asyncio.Event()
        self._inflight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self.resolve_unknown(grace_s=self.unknown_grace_s)
        tick = 0
        while True:
            try:
                await self.step(track=tick % 3 == 0)
            except Exception:
                log.exception("executor step failed")
            tick += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
            self._wake.clear()

    async def step(self, track: bool = True) -> None:
        limits, version = self.limits()
        claimed = await self.writer.run(
            lambda uow: execution.claim(uow, limits, version, self.instance)
        )
        for order in claimed:
            self._inflight.add(order.id)
            task = asyncio.create_task(self.send(order))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await self.writer.run(approvals.expire_due)
        if track:
            await self.track()
            await self.resolve_unknown(grace_s=self.unknown_grace_s)

    async def drain(self) -> None:
        """Wait for sends in flight (tests and graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def send(self, order: Order) -> None:
        assert order.client_order_id is not None
        request = VenueOrderRequest(order.client_order_id, order.symbol, order.side, order.type,
                                    order.quantity, order.limit_price)
        try:
            venue_order = await self.exchange.create_order(request)
        except DuplicateOrder:
            await self.resolve(order)  # the venue has it already: adopt what it says
        except OrderRefused as exc:
            reason = f"refused by the venue: {exc}"
            await self.writer.run(lambda uow: execution.mark_failed(uow, order.id, reason))
        except VenueError as exc:
            # Timeout, 5xx, dropped reply, rate limit: the venue may hold the order. Ask it.
            log.warning("send of %s has unknown outcome: %s", order.id, exc)
            await self.resolve(order)
        else:
            await self.record(order.id, venue_order)
        finally:
            self._inflight.discard(order.id)

    async def record(self, order_id: str, venue_order: VenueOrder) -> None:
        await self.writer.run(lambda uow: execution.record_venue_state(uow, order_id, venue_order))

    async def resolve(self, order: Order) -> None:
        assert order.client_order_id is not None
        try:
            venue_order = await self.exchange.fetch_order(order.symbol, order.client_order_id)
        except OrderNotFound:
            await self.writer.run(lambda uow: execution.release_unsent(
                uow, order.id, "the venue has no such order; will re-check and resend"))
        except VenueError as exc:
            log.warning("cannot resolve %s yet: %s", order.id, exc)  # stays `sending`
        else:
            await self.record(order.id, venue_order)

    async def resolve_unknown(self, grace_s: float) -> None:
        stale = await self.writer.run(
            lambda uow: execution.stale_sending(uow, self.instance, grace_s)
        )
        for order in stale:
            if order.id not in self._inflight:
                await self.resolve(order)

    async def track(self) -> None:
        if self._reader is None:
            return
        for order in await asyncio.to_thread(self._reader):
            if order.id in self._inflight or order.state is OrderState.SENDING:
                continue
            assert order.client_order_id is not None
            try:
                venue_order = await self.exchange.fetch_order(order.symbol, order.client_order_id)
            except RateLimited as exc:
                await asyncio.sleep(exc.retry_after)
                return
            except VenueError as exc:
                log.warning("cannot track %s: %s", order.id, exc)
                continue
            if (venue_order.filled != order.filled_quantity
                    or venue_order.status.value != "open"):
                await self.record(order.id, venue_order)


__all__ = ["Executor", "open_venue_orders"]
