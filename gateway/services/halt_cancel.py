"""Cancelling open venue orders in bulk, fast: what a halt does at the venue.

One open-orders call shows, per symbol, whether everything open there is the gateway's own
and to be cancelled: then a single cancel-all call does the symbol (Binance DELETE
/api/v3/openOrders). Otherwise (a foreign order shares the symbol, or only some of ours are
stopped) orders are cancelled one by one, a bounded number at a time. Replies are recorded
concurrently, so they commit together in a few writer batches instead of one each.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from gateway.domain.orders import Order
from gateway.ports.exchange import (
    Exchange,
    OrderRefused,
    VenueError,
    VenueOrder,
    VenueOrderStatus,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
CONCURRENCY = 16  # cancels in flight at once: enough to hide round trips, not a flood
RECORD_CHUNK = 100  # replies recorded per writer job: short transactions, few of them
Replies = list[tuple[str, VenueOrder]]
Outcome = tuple[Replies, int]  # the venue's replies to record, and cancels that failed


class Ask(Protocol):
    """A venue call whose outcome also tells the executor whether the venue is there."""

    def __call__(self, call: Awaitable[T], /) -> Awaitable[T]: ...


class Canceller:
    def __init__(self, exchange: Exchange, ask: Ask,
                 record_many: Callable[[Replies], Awaitable[object]],
                 concurrency: int = CONCURRENCY) -> None:
        self.exchange = exchange
        self._ask = ask
        self._record_many = record_many
        self._slots = asyncio.Semaphore(concurrency)

    async def cancel(self, orders: list[Order]) -> tuple[int, int]:
        """Cancel `orders` at the venue and record what it says; (cancelled, failures)."""
        if not orders:
            return 0, 0
        by_symbol: dict[str, list[Order]] = defaultdict(list)
        for order in orders:
            by_symbol[order.symbol].append(order)
        listed: list[VenueOrder] | None
        try:
            listed = await self._ask(self.exchange.fetch_open_orders())
        except VenueError as exc:
            log.warning("cannot list open orders before cancelling: %s", exc)
            listed = None
        bulk: list[Order] = []
        parts: list[Awaitable[Outcome]] = []
        for symbol, ours in by_symbol.items():
            if listed is not None and len(ours) > 1 and _only_ours(listed, symbol, ours):
                bulk.extend(ours)
                parts.append(self._cancel_symbol(symbol, ours))
            else:
                parts.extend(self._cancel_one(o) for o in ours)
        outcomes = await asyncio.gather(*parts)
        replies = [r for replies, _ in outcomes for r in replies]
        await self._record(replies)
        # Ours that a cancel-all did not report were no longer open there: adopt their state.
        seen = {order_id for order_id, _ in replies}
        await asyncio.gather(*(self._adopt(o) for o in bulk if o.id not in seen))
        cancelled = sum(1 for _, vo in replies if vo.status is VenueOrderStatus.CANCELED)
        return cancelled, sum(f for _, f in outcomes)

    async def _record(self, replies: Replies) -> None:
        chunks = [replies[i:i + RECORD_CHUNK] for i in range(0, len(replies), RECORD_CHUNK)]
        await asyncio.gather(*(self._record_many(chunk) for chunk in chunks))

    async def _cancel_symbol(self, symbol: str, ours: list[Order]) -> Outcome:
        try:
            replies = await self._ask(self.exchange.cancel_all_orders(symbol))
        except VenueError as exc:
            log.warning("cancel-all on %s failed (%s); cancelling one by one", symbol, exc)
            outcomes = await asyncio.gather(*(self._cancel_one(o) for o in ours))
            return [r for rs, _ in outcomes for r in rs], sum(f for _, f in outcomes)
        by_cid = {o.client_order_id: o.id for o in ours}
        return [(by_cid[vo.client_order_id], vo) for vo in replies
                if vo.client_order_id in by_cid], 0

    async def _cancel_one(self, order: Order) -> Outcome:
        assert order.client_order_id is not None
        try:
            async with self._slots:
                vo = await self._ask(self.exchange.cancel_order(order.symbol,
                                                                order.client_order_id))
        except OrderRefused:  # no longer open: adopt its final state instead
            await self._adopt(order)
            return [], 0
        except VenueError as exc:
            log.warning("cannot cancel %s yet: %s", order.id, exc)
            return [], 1
        return [(order.id, vo)], 0

    async def _adopt(self, order: Order) -> None:
        assert order.client_order_id is not None
        try:
            async with self._slots:
                vo = await self._ask(self.exchange.fetch_order(order.symbol,
                                                               order.client_order_id))
        except VenueError:
            return  # the follow loop asks again
        await self._record([(order.id, vo)])


def _only_ours(listed: list[VenueOrder], symbol: str, ours: list[Order]) -> bool:
    """Everything open at the venue on `symbol` is among `ours`: a cancel-all is exact."""
    mine = {o.client_order_id for o in ours}
    return all(vo.client_order_id in mine for vo in listed if vo.symbol == symbol)
