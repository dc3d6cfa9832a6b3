"""ccxt's unified structures to the port's values, exactly.

The client is built with `number = str`, so every amount and price arrives as the venue's
own decimal text and becomes a Decimal without ever passing through a float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gateway.domain.orders import OrderType, Side
from gateway.ports.exchange import Market, OutcomeUnknown, Ticker, VenueOrder, VenueOrderStatus

_STATUS = {"open": VenueOrderStatus.OPEN, "closed": VenueOrderStatus.CLOSED,
           "canceled": VenueOrderStatus.CANCELED, "cancelled": VenueOrderStatus.CANCELED,
           "expired": VenueOrderStatus.CANCELED, "rejected": VenueOrderStatus.REJECTED}
# ccxt's precision modes: 2 decimal places, 3 significant digits, 4 tick size.
_DECIMAL_PLACES, _TICK_SIZE = 2, 4


def dec(value: Any, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    if isinstance(value, float):
        value = repr(value)  # a float that slipped through: its shortest exact text
    return Decimal(str(value))


def _ms(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC) if value else datetime.now(UTC)


def step(value: Any, precision_mode: int) -> Decimal:
    """The increment an amount or price must be a multiple of; 0 when it is unknown: the
    venue gives significant digits (no fixed increment) or nothing. The venue_filters check
    refuses orders on such a symbol, saying why."""
    d = dec(value)
    if d is None:
        return Decimal(0)
    if precision_mode == _DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(d))
    return d if precision_mode == _TICK_SIZE else Decimal(0)


def market(m: dict[str, Any], precision_mode: int) -> Market:
    limits = m.get("limits") or {}
    precision = m.get("precision") or {}
    return Market(
        symbol=m["symbol"], base=m["base"], quote=m["quote"],
        price_tick=step(precision.get("price"), precision_mode),
        amount_step=step(precision.get("amount"), precision_mode),
        min_amount=dec((limits.get("amount") or {}).get("min"), Decimal(0)) or Decimal(0),
        min_notional=dec((limits.get("cost") or {}).get("min"), Decimal(0)) or Decimal(0),
    )


def ticker(symbol: str, t: dict[str, Any]) -> Ticker:
    last = dec(t.get("last")) or dec(t.get("close"))
    bid, ask = dec(t.get("bid")) or last, dec(t.get("ask")) or last
    if bid is None or ask is None or last is None:
        raise OutcomeUnknown(f"the venue's ticker for {symbol} has no prices")
    return Ticker(symbol=symbol, bid=bid, ask=ask, last=last, timestamp=_ms(t.get("timestamp")))


def order_fee(o: dict[str, Any], quote: str, price: Decimal | None) -> Decimal | None:
    """Cumulative fee in the quote currency, or None when the reply carries none."""
    fees = o.get("fees") or ([o["fee"]] if o.get("fee") else [])
    if not fees:
        return None
    return trades_fee(fees, quote, price, o.get("symbol", ""))


def trades_fee(fees: list[dict[str, Any]], quote: str, price: Decimal | None,
               symbol: str) -> Decimal:
    base = symbol.split("/")[0]
    total = Decimal(0)
    for fee in fees:
        cost = dec(fee.get("cost"), Decimal(0)) or Decimal(0)
        if fee.get("currency") in (quote, None):
            total += cost
        elif fee.get("currency") == base and price is not None:
            total += cost * price  # a fee taken in the base currency, valued at the fill
        # Fees in a third currency (e.g. BNB) are not counted in quote terms.
    return total


def venue_order(o: dict[str, Any], client_order_id: str, fallback_side: Side,
                fallback_type: OrderType, quote: str, fee: Decimal | None = None) -> VenueOrder:
    if not o.get("id"):
        # A 200 with an empty or foreign body: not proof of anything. Resolve by lookup.
        raise OutcomeUnknown("the venue replied without an order id; look the order up")
    filled = dec(o.get("filled"), Decimal(0)) or Decimal(0)
    cost = dec(o.get("cost"))
    average = dec(o.get("average"))
    if filled > 0 and cost is not None and cost > 0:
        average = cost / filled
    status = _STATUS.get(str(o.get("status")), VenueOrderStatus.OPEN)
    side = Side(o["side"]) if o.get("side") in ("buy", "sell") else fallback_side
    kind = OrderType(o["type"]) if o.get("type") in ("limit", "market") else fallback_type
    if fee is None:
        fee = order_fee(o, quote, average)
    return VenueOrder(
        client_order_id=client_order_id, venue_order_id=str(o["id"]), symbol=o["symbol"],
        side=side, type=kind, amount=dec(o.get("amount"), filled) or filled,
        price=dec(o.get("price")) if kind is OrderType.LIMIT else None, status=status,
        filled=filled, average=average if filled > 0 else None, fee=fee or Decimal(0),
        timestamp=_ms(o.get("lastUpdateTimestamp") or o.get("timestamp")),
    )
