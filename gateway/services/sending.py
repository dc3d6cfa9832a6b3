"""Sending claimed orders to the venue, exactly once: record what the venue answers; a send
whose outcome is unknown is resolved by asking the venue for the client order id, never by
sending again. Part of the executor (executor.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

from gateway.adapters.store.writer import Writer
from gateway.domain.orders import Order
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

from . import execution
from .venue_health import VenueHealth

T = TypeVar("T")
log = logging.getLogger("gateway.services.executor")  # one name for the executor's lines


class Sending:
    """The executor's sends and their settling; the state is the executor's own."""

    writer: Writer
    exchange: Exchange
    instance: str
    health: VenueHealth
    settle_s: float
    _inflight: set[str]  # orders this process is sending now: never taken for stale
    _tasks: set[asyncio.Task[None]]

    async def drain(self) -> None:
        """Wait for sends in flight (tests and graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def abandon(self) -> None:
        """Shutdown past its grace: cancel the sends still in flight. Their orders stay
        `sending`; the next start asks the venue by client order id, never resends blindly."""
        for task in list(self._tasks):
            task.cancel()
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
            self.health.noted(exc)
            if not isinstance(exc, RateLimited):
                await self.resolve(order)
            # else: asked after the back-off, by the follow loop (it is ours, not in flight)
        else:
            self.health.noted(None)
            await self.record(order.id, venue_order)
        finally:
            self._inflight.discard(order.id)

    async def _record_replies(self, replies: list[tuple[str, VenueOrder]]) -> None:
        await self.writer.run(lambda uow: execution.record_replies(uow, replies))

    async def record(self, order_id: str, venue_order: VenueOrder) -> None:
        await self.writer.run(lambda uow: execution.record_venue_state(uow, order_id, venue_order))

    async def resolve(self, order: Order) -> None:
        """Settle a `sending` order by asking the venue for its client order id."""
        if self.health.backing_off:
            return  # a rate limit came meanwhile (another call's): asked after the back-off
        assert order.client_order_id is not None
        try:
            venue_order = await self._ask(
                self.exchange.fetch_order(order.symbol, order.client_order_id))
        except OrderNotFound:
            age = (datetime.now(UTC) - order.updated_at).total_seconds()
            if age < self.settle_s:
                return  # a late send could still land: ask again on a later tick
            await self.writer.run(lambda uow: execution.release_unsent(
                uow, order.id, "the venue has no such order; will re-check and resend"))
        except VenueError as exc:
            log.warning("cannot resolve %s yet: %s", order.id, exc)  # stays `sending`
        else:
            await self.record(order.id, venue_order)

    async def resolve_unknown(self, grace_s: float) -> None:
        inflight = frozenset(self._inflight)
        stale = await self.writer.run(
            lambda uow: execution.stale_sending(uow, self.instance, grace_s, inflight)
        )
        for order in stale:
            if order.id not in self._inflight:
                await self.resolve(order)

    async def _ask(self, call: Awaitable[T]) -> T:
        """A venue read whose failure or success tells us whether the venue is there."""
        try:
            result = await call
        except VenueError as exc:
            self.health.noted(exc)
            raise
        self.health.noted(None)
        return result

    async def _guard(self, call: Awaitable[object]) -> None:
        with contextlib.suppress(VenueError):
            await self._ask(call)
