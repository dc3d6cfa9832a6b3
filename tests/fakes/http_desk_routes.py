"""The desk-specific routes of FakeGatewayHttp: edit, limits, prices and impact.

Kept beside the fake so its core stays readable; the rules mirror gateway/services/edits.py
(reduce quantity, tighten price, version bump) without the limit re-check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gateway.api.desk_schemas import ImpactOut, UsageOut
from gateway.api.schemas import OrderOut


@dataclass
class DeskExtras:
    dual_threshold: Decimal | None = None
    mids: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, Decimal] = field(default_factory=dict)

    def limits(self) -> dict[str, Any]:
        threshold = None if self.dual_threshold is None else str(self.dual_threshold)
        return {"version": "v1", "limits": {"dual_approval_notional": threshold}}

    def prices(self) -> dict[str, Any]:
        return {"prices": [
            {"symbol": s, "bid": str(m), "ask": str(m), "mid": str(m),
             "observed_at": "2026-11-03T14:00:00Z"} for s, m in sorted(self.mids.items())]}

    def needs_dual(self, order: OrderOut) -> bool:
        if self.dual_threshold is None:
            return False
        return order.notional is None or order.notional > self.dual_threshold

    def impact(self, order: OrderOut) -> ImpactOut:
        now = self.positions.get(order.symbol, Decimal(0))
        after = now + order.quantity * (1 if order.side == "buy" else -1)
        mark = self.mids.get(order.symbol)
        return ImpactOut(
            order_id=order.id, version=order.version, producer=None, position_now=now,
            position_after=after, reserved_same_side=Decimal(0), mark_price=mark,
            exposure_now=None if mark is None else abs(now) * mark,
            exposure_after=None if mark is None else abs(after) * mark,
            notional=order.notional, needs_dual_approval=self.needs_dual(order),
            first_approved_by=order.approved_by,
            usage=[UsageOut(name=f"{order.symbol} position after", used=abs(after),
                            limit=Decimal(1), fraction=abs(after))])


def edit_refusal(order: OrderOut, body: dict[str, Any]) -> tuple[str, str] | None:
    """(field, message) when the edit grows the order or loosens its price."""
    quantity = body.get("quantity")
    price = body.get("limit_price")
    if quantity is None and price is None:
        return "quantity", "nothing to change"
    if quantity is not None and not Decimal(0) < Decimal(quantity) <= order.quantity:
        return "quantity", "quantity may only be reduced"
    if price is not None and order.limit_price is not None:
        p = Decimal(price)
        if (p > order.limit_price) if order.side == "buy" else (p < order.limit_price):
            return "limit_price", "limit price may only be tightened"
    return None


def edited(order: OrderOut, body: dict[str, Any]) -> OrderOut:
    quantity = Decimal(body.get("quantity") or order.quantity)
    price = order.limit_price if body.get("limit_price") is None else Decimal(body["limit_price"])
    return order.model_copy(update={
        "quantity": quantity, "limit_price": price, "version": order.version + 1,
        "notional": None if price is None else quantity * price, "approved_by": None})


def queue_item(order: OrderOut) -> dict[str, Any]:
    """An order as GET /v1/desk/queue lists it: checks counted, not listed."""
    failed = sum(1 for c in order.checks if not c.passed)
    item: dict[str, Any] = json.loads(order.model_dump_json())
    return {**item, "checks": [], "checks_failed": failed, "checks_total": len(order.checks)}


def overview_reply(path: list[str], extras: DeskExtras, events: list[Any],
                   params: dict[str, str]) -> dict[str, Any] | None:
    """Replies for the overview screen's reads, or None for another path."""
    now = "2026-11-03T14:00:00Z"
    match path:
        case ["positions"]:
            rows = [{"symbol": s, "quantity": str(q), "average_price": "60000",
                     "realized_pnl": "12.5", "mark_price": None, "unrealized_pnl": None}
                    for s, q in sorted(extras.positions.items())]
            return {"positions": rows, "realized_pnl": "12.5", "unrealized_pnl": "0"}
        case ["desk", "pnl"]:
            points = [{"at": now, "realized": str(v), "total": str(v)} for v in (0, 5, 12.5)]
            return {"since": now, "points": points, "realized_pnl": "12.5",
                    "unrealized_pnl": "0"}
        case ["desk", "utilisation"]:
            return {"usage": [{"name": "BTC/USDT position", "used": "0.4", "limit": "0.5",
                               "fraction": "0.8"}]}
        case ["desk", "producers"]:
            return {"producers": [{
                "name": "alpha-bot", "principal": "Alice", "status": "quarantined",
                "proposals": 9, "approvals": 4, "denials": 2, "rejections": 3, "pending": 0,
                "proposals_last_hour": 7, "filled_pnl": "-3.2", "recent_violations": [
                    {"order_id": "ord-x", "at": now, "reason": "max_position"}]}]}
        case ["desk", "audit-tail"]:
            chosen = [e for e in reversed(events)
                      if params.get("order_id") in (None, e.order_id)]
            return {"events": [json.loads(e.model_dump_json()) for e in chosen],
                    "next_after": None}
    return None
