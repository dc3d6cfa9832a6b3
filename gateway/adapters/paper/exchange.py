"""PaperExchange: the embedded default venue, implementing the exchange port.

Matching is lazy and deterministic: every call first advances the book to clock.now() over the
price feed's fixed steps, so fills depend only on the seed, the orders and the clock, never on
how often (or whether) anyone asked in between.

Fill rules:
- a market order fills at once, in full, at the ask (buy) or bid (sell);
- a limit order that crosses on arrival takes liquidity at the ask/bid for its first part;
- afterwards it rests, and at each step where the ask <= its price (buy) or the bid >= its
  price (sell) fills at its own price, at most `fill_fraction` of what remains per step;
- fees are `fee_rate` of each fill's notional, in the quote currency.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from pathlib import Path
from typing import TypeVar

from gateway.adapters.paper.book import Ledger, PaperOrder, crosses, next_fill_amount
from gateway.adapters.paper.faults import Faults
from gateway.adapters.paper.filters import check_filters
from gateway.adapters.paper.markets import (
    DEFAULT_BALANCES,
    DEFAULT_MARKETS,
    DEFAULT_START_PRICES,
    quote,
)
from gateway.adapters.paper.price_feed import PriceFeed
from gateway.adapters.paper.store import SqliteStore
from gateway.domain.orders import OrderType, Side
from gateway.ports.clock import Clock
from gateway.ports.exchange import (
    DuplicateOrder,
    Market,
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    Ticker,
    VenueOrder,
    VenueOrderRequest,
    VenueOrderStatus,
    VenueUnavailable,
)

T = TypeVar("T")

# Wide enough that amount * price * (1 + fee) of any order the filters admit stays exact.
_MONEY = Context(prec=50, rounding=ROUND_HALF_EVEN)


class PaperExchange:
    """A simulated spot venue; with `state_path` its record survives a process restart.

    `balances` seeds a fresh venue only: a state file that already exists keeps its own.
    """

    name = "paper"

    def __init__(
        self,
        markets: dict[str, Market] | None = None,
        *,
        clock: Clock,
        seed: int = 7,
        start_prices: dict[str, Decimal] | None = None,
        balances: dict[str, Decimal] | None = None,
        fee_rate: Decimal = Decimal("0.001"),
        latency_s: float = 0.0,
        state_path: Path | None = None,
        spread_bps: Decimal = Decimal("2"),
        fill_fraction: Decimal = Decimal("0.5"),
        volatility: Decimal = Decimal("0.0001"),
        step_seconds: int = 1,
    ) -> None:
        self._markets = dict(DEFAULT_MARKETS if markets is None else markets)
        starts = {**DEFAULT_START_PRICES, **(start_prices or {})}
        if missing := sorted(set(self._markets) - set(starts)):
            raise ValueError(f"no start price for {', '.join(missing)}")
        if fee_rate < 0 or spread_bps < 0 or latency_s < 0:
            raise ValueError("fee_rate, spread_bps and latency_s must not be negative")
        if not 0 < fill_fraction <= 1:
            raise ValueError("fill_fraction must be in (0, 1]")
        self._clock = clock
        self._fee_rate = fee_rate
        self._latency_s = latency_s
        self._spread_bps = spread_bps
        self._fill_fraction = fill_fraction
        self.feed = PriceFeed(
            {s: starts[s] for s in self._markets},
            seed=seed,
            volatility=volatility,
            step_seconds=step_seconds,
            ticks={s: m.price_tick for s, m in self._markets.items()},
        )
        self.faults = Faults()
        self._orders: dict[str, PaperOrder] = {}
        self._open: dict[str, PaperOrder] = {}
        self._dirty: dict[str, PaperOrder] = {}
        self._closed = False
        self._store = SqliteStore(state_path) if state_path is not None else None
        state = self._store.load() if self._store is not None else None
        if state is None:
            self._ledger = Ledger(dict(DEFAULT_BALANCES if balances is None else balances))
            self._last_step = self.feed.step_of(clock.now())
            self._save()
        else:
            self._ledger = Ledger(state.free, state.locked)
            self._last_step = state.last_step
            for order in state.orders:
                self._orders[order.client_order_id] = order
                if order.status is VenueOrderStatus.OPEN:
                    self._open[order.client_order_id] = order
        self._seq = max((o.seq for o in self._orders.values()), default=0)

    # -- the port ------------------------------------------------------------------------

    async def load_markets(self) -> dict[str, Market]:
        return await self._answer(lambda: dict(self._markets))

    async def fetch_ticker(self, symbol: str) -> Ticker:
        return await self._answer(lambda: self._ticker(symbol))

    async def create_order(self, request: VenueOrderRequest) -> VenueOrder:
        return await self._answer(lambda: self._create(request), sends=True)

    async def fetch_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        return await self._answer(lambda: self._find(symbol, client_order_id).view())

    async def cancel_order(self, symbol: str, client_order_id: str) -> VenueOrder:
        """Raise OrderRefused when the order is no longer open (filled or cancelled)."""
        return await self._answer(lambda: self._cancel(symbol, client_order_id))

    async def cancel_all_orders(self, symbol: str) -> list[VenueOrder]:
        def cancel_all() -> list[VenueOrder]:
            mine = sorted((o for o in self._open.values() if o.symbol == symbol),
                          key=lambda o: o.seq)
            return [self._cancel(symbol, o.client_order_id) for o in mine]

        return await self._answer(cancel_all)

    async def fetch_open_orders(self) -> list[VenueOrder]:
        return await self._answer(
            lambda: [o.view() for o in sorted(self._open.values(), key=lambda o: o.seq)]
        )

    async def fetch_balance(self) -> dict[str, Decimal]:
        """Free balances: what new orders may spend (reservations of open orders excluded)."""
        return await self._answer(lambda: dict(self._ledger.free))

    async def fetch_holdings(self) -> dict[str, Decimal]:
        """Free plus what open orders hold reserved, per currency."""

        def total() -> dict[str, Decimal]:
            ledger = self._ledger
            return {c: ledger.free.get(c, Decimal(0)) + ledger.locked.get(c, Decimal(0))
                    for c in sorted(set(ledger.free) | set(ledger.locked))}

        return await self._answer(total)

    async def fetch_locked(self) -> dict[str, Decimal]:
        """Paper-only: what open orders hold reserved, per currency."""
        return await self._answer(lambda: dict(self._ledger.locked))

    async def transfer(self, currency: str, amount: Decimal) -> None:
        """Paper-only: a deposit (positive) or withdrawal (negative) outside any trading,
        as an account's owner makes them; the gateway's reconciliation will notice."""

        def move() -> None:
            free = self._ledger.free.get(currency, Decimal(0))
            if free + amount < 0:
                raise OrderRefused(f"cannot withdraw {-amount} {currency}: {free} free")
            self._ledger.free[currency] = free + amount
            self._save()  # with the balances

        await self._answer(move)

    async def close(self) -> None:
        if not self._closed and self._store is not None:
            self._store.close()
        self._closed = True

    # -- plumbing ------------------------------------------------------------------------

    async def _answer(self, op: Callable[[], T], *, sends: bool = False) -> T:
        # The venue acts at once and the reply arrives latency_s later, so a caller that
        # gives up waiting has still placed its order: exactly the OutcomeUnknown case.
        try:
            if self._closed:
                raise VenueUnavailable("the paper venue is closed")
            if self.faults.down:
                raise VenueUnavailable("the paper venue is down (fault hook)")
            with localcontext(_MONEY):
                self._advance()
                try:
                    return op()
                finally:
                    self._commit(sends)
        finally:
            if self._latency_s:
                await asyncio.sleep(self._latency_s)

    def _commit(self, sends: bool) -> None:
        if not self._dirty:
            # Matching progress alone is not saved: replaying steps in which nothing filled
            # fills nothing, so a restart from an older step reaches the same state.
            return
        try:
            self._save()
        except sqlite3.Error as exc:
            error = OutcomeUnknown if sends else VenueUnavailable
            raise error(f"paper venue could not persist its state: {exc}") from exc

    def _save(self) -> None:
        if self._store is not None:
            ledger = self._ledger
            self._store.save(self._dirty.values(), ledger.free, ledger.locked, self._last_step)
        self._dirty.clear()

    def _market(self, symbol: str) -> Market:
        market = self._markets.get(symbol)
        if market is None:
            raise OrderRefused(f"unknown symbol {symbol!r}")
        return market

    def _find(self, symbol: str, client_order_id: str) -> PaperOrder:
        order = self._orders.get(client_order_id)
        if order is None or order.symbol != symbol:
            raise OrderNotFound(f"no order {client_order_id!r} on {symbol}")
        return order

    def _ticker(self, symbol: str) -> Ticker:
        market = self._market(symbol)
        now = self._clock.now()
        mid = self.feed.price(symbol, now)
        bid, ask = quote(market, mid, self._spread_bps)
        return Ticker(symbol=symbol, bid=bid, ask=ask, last=mid, timestamp=now)

    def _touched(self, order: PaperOrder) -> None:
        self._dirty[order.client_order_id] = order
        if order.status is not VenueOrderStatus.OPEN:
            self._open.pop(order.client_order_id, None)

    # -- matching ------------------------------------------------------------------------

    def _advance(self) -> None:
        target = self.feed.step_of(self._clock.now())
        if target <= self._last_step:
            return
        by_symbol: dict[str, list[PaperOrder]] = {}
        for order in sorted(self._open.values(), key=lambda o: o.seq):
            if order.type is OrderType.LIMIT:
                by_symbol.setdefault(order.symbol, []).append(order)
        for symbol, orders in by_symbol.items():
            market = self._markets[symbol]
            for _, mid in self.feed.prices(symbol, self._last_step + 1, target):
                bid, ask = quote(market, mid, self._spread_bps)
                for order in orders:
                    if order.status is VenueOrderStatus.OPEN and crosses(order, bid, ask):
                        assert order.price is not None
                        self._fill(order, market, order.price)
                if all(o.status is not VenueOrderStatus.OPEN for o in orders):
                    break
        self._last_step = target

    def _fill(self, order: PaperOrder, market: Market, price: Decimal) -> None:
        amount = next_fill_amount(order, market, self._fill_fraction)
        self._ledger.settle(order, market, amount, price, self._fee_rate)
        self._touched(order)

    # -- orders --------------------------------------------------------------------------

    def _create(self, request: VenueOrderRequest) -> VenueOrder:
        if self.faults.unavailable_before_send > 0:
            self.faults.unavailable_before_send -= 1
            raise VenueUnavailable("create_order never reached the paper venue (fault hook)")
        lose_reply = self.faults.timeout_after_accept > 0
        if lose_reply:
            self.faults.timeout_after_accept -= 1
        try:
            order = self._accept(request)
        except OrderRefused as exc:
            if lose_reply:
                raise OutcomeUnknown("create_order timed out (fault hook)") from exc
            raise
        if lose_reply:
            raise OutcomeUnknown("create_order timed out after the venue accepted (fault hook)")
        return order.view()

    def _accept(self, request: VenueOrderRequest) -> PaperOrder:
        cid = request.client_order_id
        if not cid:
            raise OrderRefused("a client order id is required")
        if cid in self._orders:
            # Exactly-once rests on this: a resend must never become a second order.
            raise DuplicateOrder(f"duplicate client order id {cid!r}")
        market = self._market(request.symbol)
        mid = self.feed.price(market.symbol, self._clock.now())
        bid, ask = quote(market, mid, self._spread_bps)
        touch = ask if request.side is Side.BUY else bid
        reference = check_filters(request, market, touch)
        order = PaperOrder(
            seq=self._seq + 1,
            client_order_id=cid,
            symbol=market.symbol,
            side=request.side,
            type=request.type,
            amount=request.amount,
            price=request.price,
            created_at=self._clock.now(),
        )
        need = request.amount * reference * (1 + self._fee_rate)
        self._ledger.reserve(order, market, need if request.side is Side.BUY else request.amount)
        self._seq += 1
        self._orders[cid] = self._open[cid] = order
        self._touched(order)
        if order.type is OrderType.MARKET:
            self._ledger.settle(order, market, order.amount, touch, self._fee_rate)
            self._touched(order)
        elif crosses(order, bid, ask):
            self._fill(order, market, touch)
        return order

    def _cancel(self, symbol: str, client_order_id: str) -> VenueOrder:
        order = self._find(symbol, client_order_id)
        if order.status is not VenueOrderStatus.OPEN:
            raise OrderRefused(f"order {client_order_id!r} is already {order.status.value}")
        self._ledger.release(order, self._markets[symbol])
        order.status = VenueOrderStatus.CANCELED
        self._touched(order)
        return order.view()
