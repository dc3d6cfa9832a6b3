"""The venue's order filters, as a real spot venue applies them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from gateway.adapters.paper.markets import is_multiple
from gateway.domain.orders import OrderType
from gateway.ports.exchange import Market, OrderRefused, VenueOrderRequest


def check_filters(request: VenueOrderRequest, market: Market, touch: Decimal) -> Decimal:
    """Refuse what the filters refuse; return the price the order is sized at.

    `touch` is the ask (buy) or bid (sell) that a market order would take.
    """
    try:
        return _check(request, market, touch)
    except InvalidOperation as exc:
        # A quotient too large for the context: no venue would accept such a value anyway.
        raise OrderRefused("amount or price out of range") from exc


def _check(request: VenueOrderRequest, market: Market, touch: Decimal) -> Decimal:
    amount = request.amount
    if amount <= 0 or amount < market.min_amount:
        raise OrderRefused(f"amount {amount} is below the minimum {market.min_amount}")
    if not is_multiple(amount, market.amount_step):
        raise OrderRefused(f"amount {amount} is not a multiple of {market.amount_step}")
    if request.type is OrderType.LIMIT:
        if request.price is None or request.price <= 0:
            raise OrderRefused("a limit order needs a positive price")
        if not is_multiple(request.price, market.price_tick):
            raise OrderRefused(f"price {request.price} is not a multiple of {market.price_tick}")
        reference = request.price
    else:
        if request.price is not None:
            raise OrderRefused("a market order carries no price")
        reference = touch
    if amount * reference < market.min_notional:
        raise OrderRefused(
            f"notional {amount * reference} is below the minimum {market.min_notional}"
        )
    return reference
