"""The exchange port: the narrow execution layer. Only adapters talk to venues.

Every order carries the gateway's client order id so its fate can be asked for by that id
after any failure; an adapter never retries a create on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from gateway.domain.markets import Market
from gateway.domain.orders import OrderType, Side

__all__ = ["Market"]  # re-exported: adapters describe markets in domain terms


class VenueOrderStatus(StrEnum):
    OPEN = "open"          # resting, possibly partially filled
    CLOSED = "closed"      # fully filled
    CANCELED = "canceled"  # cancelled, possibly after partial fills
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Ticker:
    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class VenueOrderRequest:
    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class VenueOrder:
    client_order_id: str
    venue_order_id: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    status: VenueOrderStatus
    filled: Decimal
    average: Decimal | None  # average fill price over `filled`
    fee: Decimal             # cumulative, in the quote currency
    timestamp: datetime


class VenueError(Exception):
    """Base of every error an adapter raises; vendor errors never cross the port."""


class OrderRefused(VenueError):
    """The venue definitively refused the order (invalid order, filters)."""


class InsufficientFunds(OrderRefused):
    pass


class DuplicateOrder(OrderRefused):
    """The venue already holds an order with this client order id: it may be live. Look it
    up; never mark the gateway's order failed on this alone."""


class OrderNotFound(VenueError):
    pass


class VenueUnavailable(VenueError):
    """The venue could not be reached; nothing was sent (or the call was a read)."""


class RateLimited(VenueError):
    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(VenueError):
    """A send may or may not have reached the venue: resolve by client order id, never resend."""


class Exchange(Protocol):
    name: str

    async def load_markets(self) -> dict[str, Market]: ...

    async def fetch_ticker(self, symbol: str) -> Ticker: ...

    async def create_order(self, request: VenueOrderRequest) -> VenueOrder: ...

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        """Raise OrderNotFound when the venue has never seen this client order id."""
        ...

    async def cancel_order(self, symbol: str, client_order_id: str) -> VenueOrder: ...

    async def cancel_all_orders(self, symbol: str) -> list[VenueOrder]:
        """Cancel every open order on `symbol` at the venue, the gateway's or not, in as few
        calls as the venue allows (Binance: one DELETE /api/v3/openOrders); return the
        orders cancelled, each with the client order id it was placed under."""
        ...

    async def fetch_open_orders(self) -> list[VenueOrder]: ...

    async def fetch_balance(self) -> dict[str, Decimal]:
        """Free balances per currency: what new orders may spend."""
        ...

    async def fetch_holdings(self) -> dict[str, Decimal]:
        """Everything the account holds per currency: free plus held by open orders."""
        ...

    async def close(self) -> None: ...
