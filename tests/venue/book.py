"""The local venue's books: markets, balances, orders and trades, in exact decimals.

Thread-safe: the HTTP server runs on its own thread, tests read and fill from theirs.
Errors are raised as VenueReject(http_status, code, msg), Binance's own codes and texts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SYMBOLS: dict[str, tuple[str, str, Decimal]] = {
    # venue id: (base, quote, start price)
    "BTCUSDT": ("BTC", "USDT", Decimal("40000")),
    "ETHUSDT": ("ETH", "USDT", Decimal("2000")),
    "SOLUSDT": ("SOL", "USDT", Decimal("100")),
}
TICK = Decimal("0.01")
STEP = Decimal("0.00001")
MIN_NOTIONAL = Decimal("5")
INSUFFICIENT = "Account has insufficient balance for requested action."


class VenueReject(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


@dataclass
class BookOrder:
    order_id: int
    client_id: str
    symbol: str
    side: str        # BUY | SELL
    type: str        # LIMIT | MARKET
    price: Decimal
    qty: Decimal
    time_ms: int
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)  # cumulative quote quantity
    status: str = "NEW"
    trades: list[dict[str, Any]] = field(default_factory=list)

    def wire(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol, "orderId": self.order_id, "orderListId": -1,
            "clientOrderId": self.client_id, "price": str(self.price), "origQty": str(self.qty),
            "executedQty": str(self.executed), "cummulativeQuoteQty": str(self.quote),
            "status": self.status, "timeInForce": "GTC", "type": self.type, "side": self.side,
            "stopPrice": "0", "icebergQty": "0", "time": self.time_ms,
            "updateTime": self.time_ms, "isWorking": self.status in ("NEW", "PARTIALLY_FILLED"),
            "workingTime": self.time_ms, "origQuoteOrderQty": "0",
            "selfTradePreventionMode": "NONE",
        }


class VenueBook:
    def __init__(self, fee_rate: Decimal = Decimal("0.001"),
                 balances: dict[str, Decimal] | None = None) -> None:
        self.lock = threading.RLock()
        self.fee_rate = fee_rate
        self.prices = {s: p for s, (_, _, p) in SYMBOLS.items()}
        self.free = dict(balances or {"USDT": Decimal("1000000"), "BTC": Decimal("10"),
                                      "ETH": Decimal("100"), "SOL": Decimal("1000")})
        self.locked: dict[str, Decimal] = {}
        self.orders: dict[int, BookOrder] = {}
        self.by_client: dict[str, BookOrder] = {}
        self._next_trade = 1

    # -- reads ---------------------------------------------------------------------------

    def bid_ask(self, symbol: str) -> tuple[Decimal, Decimal]:
        last = self.prices[symbol]
        return last - TICK, last + TICK

    def find(self, symbol: str, order_id: str | None, client_id: str | None) -> BookOrder:
        with self.lock:
            order = (self.by_client.get(client_id or "") if client_id
                     else self.orders.get(int(order_id or 0)))
            if order is None or order.symbol != symbol:
                raise VenueReject(400, -2013, "Order does not exist.")
            return order

    def open_orders(self, symbol: str | None) -> list[BookOrder]:
        with self.lock:
            return [o for o in self.orders.values()
                    if o.status in ("NEW", "PARTIALLY_FILLED")
                    and (symbol is None or o.symbol == symbol)]

    # -- writes --------------------------------------------------------------------------

    def create(self, p: dict[str, str]) -> BookOrder:
        with self.lock:
            symbol = p.get("symbol", "")
            if symbol not in SYMBOLS:
                raise VenueReject(400, -1121, "Invalid symbol.")
            if "quoteOrderQty" in p:
                raise VenueReject(400, -1102, "This venue takes quantity only.")
            cid = p.get("newClientOrderId") or f"venue-{len(self.orders) + 1}"
            if cid in self.by_client:
                raise VenueReject(400, -2010, "Duplicate order sent.")
            side, kind = p.get("side", ""), p.get("type", "")
            qty = Decimal(p.get("quantity", "0"))
            bid, ask = self.bid_ask(symbol)
            touch = ask if side == "BUY" else bid
            price = Decimal(p["price"]) if kind == "LIMIT" else Decimal(0)
            if qty <= 0 or qty % STEP:
                raise VenueReject(400, -1013, "Filter failure: LOT_SIZE")
            if kind == "LIMIT" and (price <= 0 or price % TICK):
                raise VenueReject(400, -1013, "Filter failure: PRICE_FILTER")
            reference = price if kind == "LIMIT" else touch
            if qty * reference < MIN_NOTIONAL:
                raise VenueReject(400, -1013, "Filter failure: NOTIONAL")
            base, quote, _ = SYMBOLS[symbol]
            asset, need = (quote, qty * reference) if side == "BUY" else (base, qty)
            if self.free.get(asset, Decimal(0)) < need:
                raise VenueReject(400, -2010, INSUFFICIENT)
            self._move(asset, need, lock=True)
            order = BookOrder(len(self.orders) + 1, cid, symbol, side, kind, price, qty,
                               int(time.time() * 1000))
            self.orders[order.order_id] = self.by_client[cid] = order
            if kind == "MARKET" or (side == "BUY" and price >= ask) or (
                    side == "SELL" and price <= bid):
                self.fill(order, qty, touch)
            return order

    def fill(self, order: BookOrder, qty: Decimal, price: Decimal | None = None) -> None:
        """Fill `qty` more of an open order (tests call this for partial fills)."""
        with self.lock:
            if order.status not in ("NEW", "PARTIALLY_FILLED"):
                raise ValueError(f"order {order.client_id} is {order.status}")
            qty = min(qty, order.qty - order.executed)
            price = price if price is not None else order.price
            base, quote, _ = SYMBOLS[order.symbol]
            notional = qty * price
            fee = notional * self.fee_rate
            reserved_price = order.price if order.type == "LIMIT" else price
            if order.side == "BUY":
                self._release(quote, qty * reserved_price)
                self.free[quote] -= notional + fee
                self.free[base] = self.free.get(base, Decimal(0)) + qty
            else:
                self._release(base, qty)
                self.free[base] -= qty  # the base sold leaves the account
                self.free[quote] = self.free.get(quote, Decimal(0)) + notional - fee
            order.executed += qty
            order.quote += notional
            order.status = "FILLED" if order.executed == order.qty else "PARTIALLY_FILLED"
            order.trades.append({
                "symbol": order.symbol, "id": self._next_trade, "orderId": order.order_id,
                "orderListId": -1, "price": str(price), "qty": str(qty),
                "quoteQty": str(notional), "commission": str(fee), "commissionAsset": quote,
                "time": int(time.time() * 1000), "isBuyer": order.side == "BUY",
                "isMaker": order.type == "LIMIT", "isBestMatch": True,
                "tradeId": self._next_trade})
            self._next_trade += 1

    def cancel(self, order: BookOrder) -> BookOrder:
        with self.lock:
            if order.status not in ("NEW", "PARTIALLY_FILLED"):
                raise VenueReject(400, -2011, "Unknown order sent.")
            base, quote, _ = SYMBOLS[order.symbol]
            left = order.qty - order.executed
            self._release(*((quote, left * order.price) if order.side == "BUY"
                            else (base, left)))
            order.status = "CANCELED"
            return order

    def _move(self, asset: str, amount: Decimal, lock: bool) -> None:
        self.free[asset] = self.free.get(asset, Decimal(0)) - amount
        self.locked[asset] = self.locked.get(asset, Decimal(0)) + amount

    def _release(self, asset: str, amount: Decimal) -> None:
        self.locked[asset] = self.locked.get(asset, Decimal(0)) - amount
        self.free[asset] = self.free.get(asset, Decimal(0)) + amount
