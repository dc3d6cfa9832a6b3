"""Domain values to wire models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from gateway.domain.money import to_text
from gateway.domain.orders import Order

from .schemas import CheckOut, OrderOut


def order_out(order: Order, checks: list[dict[str, Any]] | None = None) -> OrderOut:
    price = order.limit_price if order.limit_price is not None else order.average_fill_price
    return OrderOut(
        id=order.id, producer=order.producer, symbol=order.symbol, side=order.side.value,
        type=order.type.value, quantity=order.quantity, limit_price=order.limit_price,
        state=order.state.value, version=order.version, created_at=order.created_at,
        updated_at=order.updated_at, expires_at=order.expires_at,
        filled_quantity=order.filled_quantity, average_fill_price=order.average_fill_price,
        fees=order.fees, notional=None if price is None else order.quantity * price,
        reason=order.reason, idempotency_key=order.idempotency_key,
        client_order_id=order.client_order_id, venue_order_id=order.venue_order_id,
        limits_version=order.limits_version, rationale=order.rationale,
        confidence=order.confidence, approved_by=order.approved_by,
        checks=[CheckOut(**c) for c in (checks or [])], venue=order.venue,
        scope_version=order.scope_version, origin=order.origin,
    )


def _money(value: object) -> object:
    if isinstance(value, Decimal):
        return to_text(value)
    raise TypeError(f"cannot put {type(value).__name__} in a response")


def order_json(order: Order, checks_json: str | None = None) -> bytes:
    """What `order_out(order, checks).model_dump_json()` says, written straight from the
    order, with the checks embedded as the writer already encoded them (see canonical.py):
    the proposal path's response, without building and validating 20 wire models."""
    price = order.limit_price if order.limit_price is not None else order.average_fill_price
    return orjson.dumps({
        "id": order.id, "producer": order.producer, "symbol": order.symbol,
        "side": order.side.value, "type": order.type.value, "quantity": order.quantity,
        "limit_price": order.limit_price, "state": order.state.value, "version": order.version,
        "created_at": order.created_at, "updated_at": order.updated_at,
        "expires_at": order.expires_at, "filled_quantity": order.filled_quantity,
        "average_fill_price": order.average_fill_price, "fees": order.fees,
        "notional": None if price is None else order.quantity * price, "reason": order.reason,
        "idempotency_key": order.idempotency_key, "client_order_id": order.client_order_id,
        "venue_order_id": order.venue_order_id, "limits_version": order.limits_version,
        "rationale": order.rationale, "confidence": order.confidence,
        "approved_by": order.approved_by,
        "checks": orjson.Fragment(checks_json) if checks_json else [],
        "venue": order.venue, "scope_version": order.scope_version, "origin": order.origin,
    }, default=_money, option=orjson.OPT_UTC_Z)
