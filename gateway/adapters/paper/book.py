"""Order records, the balance ledger and the fill rules of the paper venue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gateway.adapters.paper.markets import ceil_to, floor_to
from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import InsufficientFunds, Market, VenueOrder, VenueOrderStatus

ZERO = Decimal(0)
# The gateway's decimal boundary admits at most 18 fractional digits (domain/money.py).
_AVERAGE_QUANTUM = Decimal("1e-18")


@dataclass(slots=True)
class PaperOrder:
    """The venue's mutable record of one order."""

    seq: int
    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    created_at: datetime
    status: VenueOrderStatus = VenueOrderStatus.OPEN
    filled: Decimal = ZERO
    cost: Decimal = ZERO  # sum of fill amount * fill price, in quote
    fee: Decimal = ZERO  # in quote
    reserved: Decimal = ZERO  # still locked for this order, in the currency it spends

    @property
    def venue_order_id(self) -> str:
        return f"paper-{self.seq}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    def view(self) -> VenueOrder:
        return VenueOrder(
            client_order_id=self.client_order_id,
            venue_order_id=self.venue_order_id,
            symbol=self.symbol,
            side=self.side,
            type=self.type,
            amount=self.amount,
            price=self.price,
            status=self.status,
            filled=self.filled,
            average=(self.cost / self.filled).quantize(_AVERAGE_QUANTUM) if self.filled else None,
            fee=self.fee,
            timestamp=self.created_at,
        )


def spends(order: PaperOrder, market: Market) -> str:
    return market.quote if order.side is Side.BUY else market.base


def crosses(order: PaperOrder, bid: Decimal, ask: Decimal) -> bool:
    assert order.price is not None
    return ask <= order.price if order.side is Side.BUY else bid >= order.price


def next_fill_amount(order: PaperOrder, market: Market, fraction: Decimal) -> Decimal:
    """At most `fraction` of what remains, but never leave a remainder no one could trade."""
    remaining = order.remaining
    part = max(
        floor_to(remaining * fraction, market.amount_step),
        ceil_to(market.min_amount, market.amount_step),
        market.amount_step,
    )
    return remaining if remaining - part < market.min_amount else part


class Ledger:
    """Free and locked balances per currency; an open order's reservation sits in `locked`."""

    def __init__(self, free: dict[str, Decimal], locked: dict[str, Decimal] | None = None) -> None:
        self.free = dict(free)
        self.locked = {currency: ZERO for currency in self.free} | dict(locked or {})

    def reserve(self, order: PaperOrder, market: Market, amount: Decimal) -> None:
        currency = spends(order, market)
        available = self.free.get(currency, ZERO)
        if available < amount:
            raise InsufficientFunds(f"needs {amount} {currency}, {available} available")
        self.free[currency] = available - amount
        self.locked[currency] = self.locked.get(currency, ZERO) + amount
        order.reserved += amount

    def release(self, order: PaperOrder, market: Market) -> None:
        currency = spends(order, market)
        self.locked[currency] -= order.reserved
        self.free[currency] = self.free.get(currency, ZERO) + order.reserved
        order.reserved = ZERO

    def settle(
        self, order: PaperOrder, market: Market, amount: Decimal, price: Decimal, fee_rate: Decimal
    ) -> None:
        """Book one fill; the last fill also returns whatever the reservation over-covered."""
        final = amount == order.remaining
        cost = amount * price
        fee = cost * fee_rate
        if order.side is Side.BUY:
            # Partial fills only happen to limit orders, which reserved at their limit price.
            reserve_price = order.price if order.price is not None else price
            consumed = order.reserved if final else amount * reserve_price * (1 + fee_rate)
            self._credit(market.quote, consumed - cost - fee)
            self._credit(market.base, amount)
        else:
            consumed = amount
            self._credit(market.quote, cost - fee)
        self.locked[spends(order, market)] -= consumed
        order.reserved -= consumed
        order.filled += amount
        order.cost += cost
        order.fee += fee
        if final:
            order.status = VenueOrderStatus.CLOSED

    def _credit(self, currency: str, amount: Decimal) -> None:
        self.free[currency] = self.free.get(currency, ZERO) + amount
