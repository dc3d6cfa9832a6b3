"""Following the gateway's open orders at the venue, on the executor's follow beat.

One open-orders listing per beat; a look-up only for the orders that left it (filled or
cancelled), so the venue sees O(1) calls per beat, not one per order. The beat costs little
interpreter time with a thousand orders resting, because the event loop serving bots, desks
and halts shares the interpreter with it: the database read takes only the five columns
following needs (not whole orders: their timestamps alone cost tens of ms per thousand on
SQLite), and the adapter parses only the venue's orders that changed (ccxt/listing.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from gateway.domain.orders import OrderState
from gateway.ports.exchange import Exchange, RateLimited, VenueError, VenueOrder

from .venue_health import UNREACHABLE

T = TypeVar("T")
log = logging.getLogger(__name__)


class Followed(Protocol):
    """What following needs of an order (an Order has it, and so does a Tracked row)."""

    @property
    def id(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def state(self) -> OrderState: ...
    @property
    def filled_quantity(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class Tracked:
    id: str
    symbol: str
    client_order_id: str | None
    state: OrderState
    filled_quantity: Decimal


class Ask(Protocol):
    """A venue read whose outcome tells the venue's health (Executor._ask)."""

    async def __call__(self, call: Awaitable[T], /) -> T: ...


class Tracker:
    def __init__(self, exchange: Exchange, read: Callable[[], Awaitable[Sequence[Followed]]],
                 ask: Ask, record: Callable[[str, VenueOrder], Awaitable[None]]) -> None:
        self.exchange = exchange
        self._read = read
        self._ask = ask
        self._record = record

    async def track(self, inflight: Collection[str]) -> None:
        """Record every open order whose fill or status changed at the venue."""
        ours = [o for o in await self._read()
                if o.id not in inflight and o.state is not OrderState.SENDING]
        if not ours:
            return
        try:
            listed = {vo.client_order_id: vo
                      for vo in await self._ask(self.exchange.fetch_open_orders())}
        except VenueError as exc:
            log.warning("cannot track open orders: %s", exc)  # noted; next tick again
            return
        for order in ours:
            assert order.client_order_id is not None
            venue_order = listed.get(order.client_order_id)
            if venue_order is None:
                try:
                    venue_order = await self._ask(
                        self.exchange.fetch_order(order.symbol, order.client_order_id))
                except (RateLimited, *UNREACHABLE):
                    return
                except VenueError as exc:
                    log.warning("cannot track %s: %s", order.id, exc)
                    continue
            if (venue_order.filled != order.filled_quantity
                    or venue_order.status.value != "open"):
                await self._record(order.id, venue_order)
