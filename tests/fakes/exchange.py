"""An in-memory exchange for service tests: records every call, fills on command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import (
    DuplicateOrder,
    Market,
    OrderNotFound,
    OutcomeUnknown,
    Ticker,
    VenueOrder,
    VenueOrderRequest,
    VenueOrderStatus,
)

MARKETS = {
    s: Market(s, s.split("/")[0], s.split("/")[1], Decimal("0.01"), Decimal("0.0001"),
              Decimal("0.0001"), Decimal("5"))
    for s in ("BTC/USDT", "ETH/USDT", "SOL/USDT")
}


class FakeExchange:
    name = "fake"

    def __init__(self, prices: dict[str, Decimal] | None = None, fill_on_create: bool = True):
        self.prices = prices or {"BTC/USDT": Decimal("40000"), "ETH/USDT": Decimal("2000"),
                                 "SOL/USDT": Decimal("100")}
        self.fill_on_create = fill_on_create
        self.orders: dict[str, VenueOrder] = {}
        self.creates: list[VenueOrderRequest] = []
        self.cancel_alls: list[str] = []
        self.fail_next_create: Exception | None = None
        self.record_then_fail: bool = False
        # What the account holds: moved by every fill (no fees here), as a venue would.
        self.holdings: dict[str, Decimal] = {"USDT": Decimal("1000000")}

    async def load_markets(self) -> dict[str, Market]:
        return MARKETS

    async def fetch_ticker(self, symbol: str) -> Ticker:
        p = self.prices[symbol]
        return Ticker(symbol, p, p, p, datetime.now(UTC))

    async def create_order(self, request: VenueOrderRequest) -> VenueOrder:
        self.creates.append(request)
        if request.client_order_id in self.orders:
            raise DuplicateOrder("duplicate client order id")
        if self.fail_next_create is not None and not self.record_then_fail:
            exc, self.fail_next_create = self.fail_next_create, None
            raise exc
        price = request.price or self.prices[request.symbol]
        filled = request.amount if self.fill_on_create else Decimal(0)
        order = VenueOrder(
            request.client_order_id, f"v{len(self.orders) + 1}", request.symbol, request.side,
            request.type, request.amount, request.price,
            VenueOrderStatus.CLOSED if self.fill_on_create else VenueOrderStatus.OPEN,
            filled, price if filled else None, Decimal(0), datetime.now(UTC))
        self.orders[request.client_order_id] = order
        self._settle(order, filled)
        if self.fail_next_create is not None:
            exc, self.fail_next_create = self.fail_next_create, None
            raise exc  # recorded at the venue, but the reply was lost
        return order

    def fill(self, client_order_id: str, quantity: Decimal | None = None) -> None:
        o = self.orders[client_order_id]
        filled = o.amount if quantity is None else o.filled + quantity
        status = VenueOrderStatus.CLOSED if filled >= o.amount else VenueOrderStatus.OPEN
        self.orders[client_order_id] = replace(o, filled=filled, status=status,
                                               average=o.price or self.prices[o.symbol])
        self._settle(self.orders[client_order_id], filled - o.filled)

    def _settle(self, order: VenueOrder, quantity: Decimal) -> None:
        if quantity <= 0:
            return
        base, quote = order.symbol.split("/")
        price = order.average or order.price or self.prices[order.symbol]
        sign = 1 if order.side is Side.BUY else -1
        for currency, amount in ((base, sign * quantity), (quote, -sign * quantity * price)):
            self.holdings[currency] = self.holdings.get(currency, Decimal(0)) + amount

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        if client_order_id not in self.orders:
            raise OrderNotFound(client_order_id)
        return self.orders[client_order_id]

    async def cancel_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        o = await self.fetch_order(symbol, client_order_id)
        self.orders[client_order_id] = replace(o, status=VenueOrderStatus.CANCELED)
        return self.orders[client_order_id]

    async def cancel_all_orders(self, symbol: str) -> list[VenueOrder]:
        self.cancel_alls.append(symbol)
        return [await self.cancel_order(symbol, o.client_order_id)
                for o in await self.fetch_open_orders() if o.symbol == symbol]

    async def fetch_open_orders(self) -> list[VenueOrder]:
        return [o for o in self.orders.values() if o.status is VenueOrderStatus.OPEN]

    async def fetch_balance(self) -> dict[str, Decimal]:
        return {"USDT": Decimal("1000000")}

    async def fetch_holdings(self) -> dict[str, Decimal]:
        return dict(self.holdings)

    async def close(self) -> None:
        return None


__all__ = ["MARKETS", "FakeExchange", "OrderType", "OutcomeUnknown", "Side"]
