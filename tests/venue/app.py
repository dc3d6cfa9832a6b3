"""The local venue's HTTP face: Binance spot REST for the endpoints ccxt uses.

Signed endpoints verify HMAC-SHA256 over the raw parameter string as received (query for
GET/DELETE, form body for POST), exactly as Binance does; a bad signature is -1022.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.venue.book import MIN_NOTIONAL, STEP, SYMBOLS, TICK, VenueBook, VenueReject
from tests.venue.faults import FaultQueue

Handler = Callable[[dict[str, str]], Any]


def _json(status: int, body: Any) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


class VenueApp:
    def __init__(self, book: VenueBook, api_key: str, secret: str) -> None:
        self.book = book
        self.api_key = api_key
        self.secret = secret.encode()
        self.faults = FaultQueue()
        self.down = False  # while True every request gets a 503 before anything is done
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request seen
        self.app = web.Application()
        public = {("GET", "/api/v3/exchangeInfo"): self.exchange_info,
                  ("GET", "/api/v3/ticker/24hr"): self.ticker,
                  ("GET", "/api/v3/ping"): lambda p: {}}
        signed: dict[tuple[str, str], Handler] = {
            ("GET", "/api/v3/account"): self.account,
            ("POST", "/api/v3/order"): self.create,
            ("GET", "/api/v3/order"): self.fetch,
            ("DELETE", "/api/v3/order"): self.cancel,
            ("DELETE", "/api/v3/openOrders"): self.cancel_all,
            ("GET", "/api/v3/openOrders"): self.open_orders,
            ("GET", "/api/v3/myTrades"): self.my_trades}
        for (method, path), fn in public.items():
            self.app.router.add_route(method, path, self._wrap(method, path, fn, False))
        for (method, path), fn in signed.items():
            self.app.router.add_route(method, path, self._wrap(method, path, fn, True))

    def _wrap(self, method: str, path: str, fn: Handler,
              signed: bool) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            self.requests.append((method, path))
            if self.down:
                return web.Response(status=503, text="down for maintenance")
            raw = request.rel_url.raw_query_string
            if method == "POST":
                raw = (await request.text()) or raw
            fault = self.faults.take(method, path)
            if fault is not None and not fault.after_accept:
                fault.hit.set()
                return await self._misbehave(request, fault, None)
            try:
                params = self._verify(request, raw) if signed else dict(parse_qsl(raw))
                reply = _json(200, fn(params))
            except VenueReject as exc:
                reply = _json(exc.status, {"code": exc.code, "msg": exc.msg})
            if fault is not None:
                fault.hit.set()
                return await self._misbehave(request, fault, reply)
            return reply

        return handle

    async def _misbehave(self, request: web.Request, fault: Any,
                         reply: web.Response | None) -> web.StreamResponse:
        if fault.kind == "status" and fault.status == 429:
            reply = _json(429, {"code": -1003, "msg": "Too many requests; injected fault."})
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = str(fault.retry_after)
            return reply
        if fault.kind == "status":
            # What a proxy in front of a venue answers: no JSON, only the status.
            return web.Response(status=fault.status, text=f"<html>{fault.status} injected"
                                "</html>", content_type="text/html")
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # nothing more is written on a closed socket
        # delay: hold the reply (the caller times out or is killed meanwhile)
        await asyncio.get_running_loop().run_in_executor(
            None, fault.released.wait, fault.seconds)
        return reply if reply is not None else _json(503, {"code": -1000, "msg": "late"})

    def _verify(self, request: web.Request, raw: str) -> dict[str, str]:
        if request.headers.get("X-MBX-APIKEY") != self.api_key:
            raise VenueReject(401, -2015, "Invalid API-key, IP, or permissions for action.")
        payload, sep, signature = raw.rpartition("&signature=")
        expected = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()
        if not sep or not hmac.compare_digest(signature, expected):
            raise VenueReject(400, -1022, "Signature for this request is not valid.")
        params = dict(parse_qsl(payload))
        if "timestamp" not in params:
            raise VenueReject(400, -1102, "Mandatory parameter 'timestamp' was not sent.")
        return params

    # -- endpoints -----------------------------------------------------------------------

    def exchange_info(self, p: dict[str, str]) -> dict[str, Any]:
        return {"timezone": "UTC", "serverTime": 0, "rateLimits": [], "symbols": [
            {"symbol": s, "status": "TRADING", "baseAsset": b, "baseAssetPrecision": 8,
             "quoteAsset": q, "quotePrecision": 8, "quoteAssetPrecision": 8,
             "orderTypes": ["LIMIT", "MARKET"], "icebergAllowed": False,
             "ocoAllowed": False, "isSpotTradingAllowed": True,
             "isMarginTradingAllowed": False, "permissions": ["SPOT"],
             "permissionSets": [["SPOT"]],
             "filters": [
                 {"filterType": "PRICE_FILTER", "minPrice": str(TICK),
                  "maxPrice": "1000000", "tickSize": str(TICK)},
                 {"filterType": "LOT_SIZE", "minQty": str(STEP), "maxQty": "9000",
                  "stepSize": str(STEP)},
                 {"filterType": "NOTIONAL", "minNotional": str(MIN_NOTIONAL),
                  "applyMinToMarket": True, "maxNotional": "9000000",
                  "applyMaxToMarket": False, "avgPriceMins": 5}]}
            for s, (b, q, _) in SYMBOLS.items()]}

    def ticker(self, p: dict[str, str]) -> dict[str, Any]:
        symbol = p.get("symbol", "")
        if symbol not in SYMBOLS:
            raise VenueReject(400, -1121, "Invalid symbol.")
        with self.book.lock:
            bid, ask = self.book.bid_ask(symbol)
            last = self.book.prices[symbol]
        return {"symbol": symbol, "lastPrice": str(last), "bidPrice": str(bid),
                "askPrice": str(ask), "bidQty": "1", "askQty": "1", "openPrice": str(last),
                "highPrice": str(last), "lowPrice": str(last), "volume": "0",
                "quoteVolume": "0", "closeTime": 0, "openTime": 0, "count": 0}

    def account(self, p: dict[str, str]) -> dict[str, Any]:
        with self.book.lock:
            assets = set(self.book.free) | set(self.book.locked)
            balances = [{"asset": a, "free": str(self.book.free.get(a, Decimal(0))),
                         "locked": str(self.book.locked.get(a, Decimal(0)))}
                        for a in sorted(assets)]
        return {"canTrade": True, "accountType": "SPOT", "balances": balances,
                "permissions": ["SPOT"], "updateTime": 0}

    def create(self, p: dict[str, str]) -> dict[str, Any]:
        order = self.book.create(p)
        with self.book.lock:
            return {**order.wire(), "transactTime": order.time_ms,
                    "fills": [{"price": t["price"], "qty": t["qty"],
                               "commission": t["commission"],
                               "commissionAsset": t["commissionAsset"], "tradeId": t["id"]}
                              for t in order.trades]}

    def fetch(self, p: dict[str, str]) -> dict[str, Any]:
        order = self.book.find(p.get("symbol", ""), p.get("orderId"),
                               p.get("origClientOrderId"))
        with self.book.lock:
            return order.wire()

    def cancel(self, p: dict[str, str]) -> dict[str, Any]:
        order = self.book.find(p.get("symbol", ""), p.get("orderId"),
                               p.get("origClientOrderId"))
        order = self.book.cancel(order)
        with self.book.lock:
            return {**order.wire(), "origClientOrderId": order.client_id}

    def cancel_all(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Binance's DELETE /api/v3/openOrders: every open order on one symbol. Like Binance,
        each entry's clientOrderId is a fresh id for the cancel itself and the order's own is
        origClientOrderId; with nothing open the answer is -2011."""
        symbol = p.get("symbol", "")
        if not symbol:
            raise VenueReject(400, -1102, "Mandatory parameter 'symbol' was not sent, was "
                              "empty/null, or malformed.")
        if symbol not in SYMBOLS:
            raise VenueReject(400, -1121, "Invalid symbol.")
        with self.book.lock:
            victims = self.book.open_orders(symbol)
            if not victims:
                raise VenueReject(400, -2011, "Unknown order sent.")
            out = []
            for order in victims:
                self.book.cancel(order)
                wire = order.wire()
                out.append({
                    "symbol": symbol, "origClientOrderId": order.client_id,
                    "orderId": order.order_id, "orderListId": -1,
                    "clientOrderId": secrets.token_urlsafe(16)[:22],
                    "transactTime": int(time.time() * 1000), "price": wire["price"],
                    "origQty": wire["origQty"], "executedQty": wire["executedQty"],
                    "cummulativeQuoteQty": wire["cummulativeQuoteQty"], "status": "CANCELED",
                    "timeInForce": "GTC", "type": order.type, "side": order.side,
                    "selfTradePreventionMode": "NONE"})
            return out

    def open_orders(self, p: dict[str, str]) -> list[dict[str, Any]]:
        with self.book.lock:
            return [o.wire() for o in self.book.open_orders(p.get("symbol"))]

    def my_trades(self, p: dict[str, str]) -> list[dict[str, Any]]:
        with self.book.lock:
            return [dict(t) for o in self.book.orders.values() if o.symbol == p.get("symbol")
                    and ("orderId" not in p or str(o.order_id) == p["orderId"])
                    for t in o.trades]
