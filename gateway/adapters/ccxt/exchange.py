"""CcxtExchange: the exchange port over any ccxt exchange id, with ccxt's async support.

Only this package imports ccxt, and only when a CcxtExchange is first used: `import
ccxt.async_support` costs about a second and 80 MB, which CLI commands that never trade
should not pay. Every ccxt exception is translated at this edge (see errors.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

from gateway.adapters.ccxt import convert
from gateway.adapters.ccxt.config import CcxtConfig, redact_logs
from gateway.adapters.ccxt.errors import retry_after, translate
from gateway.adapters.ccxt.listing import ListingMemo
from gateway.adapters.ccxt.offloop import LoopThread
from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import (
    Market,
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    RateLimited,
    Ticker,
    VenueError,
    VenueOrder,
    VenueOrderRequest,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

# Binance-family options that keep load_markets to one spot request and let the gateway
# list open orders across symbols; harmless keys for the rest are not sent to them.
_BINANCE_OPTIONS: dict[str, Any] = {
    "defaultType": "spot", "fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False,
    "fetchMargins": False, "adjustForTimeDifference": False,
}


def _ccxt() -> Any:
    import ccxt.async_support as ccxt_async  # lazily: see the module docstring

    return ccxt_async


def rebase_urls(urls: Any, base: str) -> Any:
    """Every API URL with its scheme and host replaced by `base`, its path kept."""
    if isinstance(urls, dict):
        return {k: rebase_urls(v, base) for k, v in urls.items()}
    if isinstance(urls, str) and "://" in urls:
        parts = urlsplit(urls)
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return urls


class CcxtExchange:
    def __init__(self, config: CcxtConfig) -> None:
        self.name = f"ccxt:{config.exchange_id}"
        self._config = config
        self._client: Any = None
        self._markets: dict[str, Market] = {}
        self._fees: dict[tuple[str, Decimal], Decimal] = {}  # (venue id, filled) -> fee
        # Listing open orders (hundreds of them to parse) runs on a loop of its own with a
        # client of its own (see offloop.py), which parses only what changed (listing.py).
        self._reads: LoopThread | None = None
        self._read_client: Any = None
        self._listing: ListingMemo | None = None

    def __repr__(self) -> str:
        return f"CcxtExchange({self._config.exchange_id!r}, sandbox={self._config.sandbox})"

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._build()
        return self._client

    def _build(self) -> Any:
        ccxt = _ccxt()
        cfg = self._config
        if cfg.exchange_id not in ccxt.exchanges:
            raise ValueError(f"unknown ccxt exchange id {cfg.exchange_id!r}; "
                             "see ccxt.exchanges for the list")
        client = getattr(ccxt, cfg.exchange_id)({
            "apiKey": cfg.api_key.reveal(), "secret": cfg.secret.reveal(),
            "timeout": cfg.timeout_ms, "enableRateLimit": cfg.rate_limit,
        })
        client.number = str  # amounts as the venue's decimal text: exact Decimals later
        redact_logs(cfg.api_key.reveal(), cfg.secret.reveal())
        if cfg.exchange_id.startswith("binance"):
            client.options.update(_BINANCE_OPTIONS)
            client.options.setdefault("createOrder", {})["quoteOrderQty"] = False
            client.options.setdefault("fetchOpenOrders", {})["warnWithoutSymbol"] = False
        if cfg.sandbox:
            client.set_sandbox_mode(True)
        if cfg.api_url:
            client.urls["api"] = rebase_urls(client.urls["api"], cfg.api_url)
        return client

    async def _call(self, fn: Callable[[], Awaitable[T]], *, sending: bool = False) -> T:
        ccxt = _ccxt()
        try:
            return await fn()
        except ccxt.BaseError as exc:
            error = translate(ccxt, exc, sending=sending)
            if isinstance(error, RateLimited):
                # Read at once: the client's last headers are this reply's until it next awaits.
                error.retry_after = retry_after(getattr(self.client, "last_response_headers",
                                                        None))
            raise error from exc
        except VenueError:
            raise
        except Exception as exc:
            # Anything else (a parser choking on a garbled reply...) after a send: unknown.
            if sending:
                raise OutcomeUnknown(f"send outcome unknown: {type(exc).__name__}") from exc
            raise VenueError(f"{type(exc).__name__}: {exc}") from exc

    def _quote(self, symbol: str) -> str:
        market = self._markets.get(symbol)
        return market.quote if market is not None else symbol.split("/")[-1]

    # -- the port ------------------------------------------------------------------------

    async def load_markets(self) -> dict[str, Market]:
        raw = await self._call(lambda: self.client.load_markets(True))
        mode = int(self.client.precisionMode)
        self._markets = {s: convert.market(m, mode) for s, m in raw.items()
                         if m.get("spot", True) and m.get("active") is not False}
        unknown = sorted(s for s, m in self._markets.items()
                         if m.amount_step <= 0 or m.price_tick <= 0)
        if unknown:
            log.warning("venue %s gives no tick or step size for %d symbol(s) (precision mode "
                        "%d); orders on them are refused: %s", self.name, len(unknown), mode,
                        ", ".join(unknown[:20]))
        return dict(self._markets)

    async def fetch_ticker(self, symbol: str) -> Ticker:
        t = await self._call(lambda: self.client.fetch_ticker(symbol))
        return convert.ticker(symbol, t)

    async def create_order(self, request: VenueOrderRequest) -> VenueOrder:
        if not request.client_order_id:
            raise OrderRefused("a client order id is required: the gateway derives one")
        o = await self._call(lambda: self.client.create_order(
            request.symbol, request.type.value, request.side.value,
            str(request.amount), None if request.price is None else str(request.price),
            {"clientOrderId": request.client_order_id},
        ), sending=True)
        return convert.venue_order(o, request.client_order_id, request.side, request.type,
                                   self._quote(request.symbol))

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        o = await self._call(lambda: self.client.fetch_order(
            None, symbol, {"clientOrderId": client_order_id}))
        return await self._complete(o, client_order_id)

    async def cancel_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        """Raise OrderRefused when the order is no longer open (filled or cancelled)."""
        try:
            await self._call(lambda: self.client.cancel_order(
                None, symbol, {"clientOrderId": client_order_id}))
        except OrderNotFound as exc:
            # Binance answers an already-closed order with -2011 "Unknown order": is it?
            current = await self.fetch_order(symbol, client_order_id)
            raise OrderRefused(f"order {client_order_id} is already "
                               f"{current.status.value}") from exc
        return await self.fetch_order(symbol, client_order_id)  # with fills and fees

    async def cancel_all_orders(self, symbol: str) -> list[VenueOrder]:
        if not self.client.has.get("cancelAllOrders"):
            # One by one where the venue has no bulk cancel.
            listed = [o for o in await self.fetch_open_orders() if o.symbol == symbol]
            return [await self.cancel_order(symbol, o.client_order_id) for o in listed]
        try:
            raw = await self._call(lambda: self.client.cancel_all_orders(symbol))
        except OrderNotFound:
            return []  # Binance answers -2011 when nothing was open on the symbol
        out = []
        for o in raw:
            # A cancel reply's clientOrderId is the cancel request's own id on Binance; the
            # order's is origClientOrderId.
            info = o.get("info") or {}
            cid = str(info.get("origClientOrderId") or o.get("clientOrderId") or "")
            out.append(await self._complete({**o, "symbol": o.get("symbol") or symbol}, cid))
        return out

    async def fetch_open_orders(self) -> list[VenueOrder]:
        if self._reads is None:
            self._reads = LoopThread("ccxt-reads")
        return await self._reads.run(self._list_open())

    async def _list_open(self) -> list[VenueOrder]:
        if self._read_client is None:
            self._read_client = self._build()
            self._listing = ListingMemo(self._read_client)
        client, memo = self._read_client, self._listing
        assert memo is not None
        raw = await self._call(lambda: client.fetch_open_orders())
        return await memo.convert(
            raw, lambda o: self._complete(o, o.get("clientOrderId") or "", client))

    async def fetch_balance(self) -> dict[str, Decimal]:
        raw = await self._call(lambda: self.client.fetch_balance())
        free = raw.get("free") or {}
        return {c: d for c, v in free.items() if (d := convert.dec(v)) is not None}

    async def fetch_holdings(self) -> dict[str, Decimal]:
        raw = await self._call(lambda: self.client.fetch_balance())
        total = raw.get("total") or {}
        return {c: d for c, v in total.items() if (d := convert.dec(v)) is not None}

    async def close(self) -> None:
        if self._reads is not None:
            if self._read_client is not None:
                await self._reads.run(self._read_client.close())
            self._reads.stop()
            self._reads = None
        if self._client is not None:
            await self._client.close()

    async def _complete(self, o: dict[str, Any], client_order_id: str,
                        client: Any = None) -> VenueOrder:
        """The order with its cumulative fee; order replies often omit fees, trades don't."""
        symbol = o.get("symbol") or ""
        quote = self._quote(symbol)
        vo = convert.venue_order(o, client_order_id, Side.BUY, OrderType.LIMIT, quote)
        if vo.filled == 0 or vo.fee > 0 or convert.order_fee(o, quote, vo.average) is not None:
            return vo
        key = (vo.venue_order_id, vo.filled)
        client = client or self.client  # the one bound to the running loop
        if key not in self._fees and client.has.get("fetchOrderTrades"):
            if len(self._fees) > 10_000:
                self._fees.clear()  # a cache, not a record: refilled on demand
            trades = await self._call(lambda: client.fetch_order_trades(
                vo.venue_order_id, symbol))
            fees = [f for t in trades for f in (t.get("fees") or [t.get("fee") or {}])]
            self._fees[key] = convert.trades_fee(fees, quote, vo.average, symbol)
        fee = self._fees.get(key, Decimal(0))
        return convert.venue_order(o, client_order_id, vo.side, vo.type, quote, fee=fee)

