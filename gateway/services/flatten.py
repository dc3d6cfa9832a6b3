"""Flatten after a halt: close positions with reduce-only orders, sent despite the halt.

Only under a halt that covers the positions (the global halt, or the symbol's own), only by
a risk or admin operator who confirmed it twice, and only orders that pass every limit with
reduce-only forced on: here when they are planned and again in the transaction that claims
each one for sending. They are the only orders a halt lets through, and only because they
shrink a position without flipping it. See docs/HALT.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.adapters.store import orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.decision import CheckResult
from gateway.domain.flatten import FlattenLeg, Leftover, flatten_limits, plan_flatten
from gateway.domain.halts import FLATTEN_PRODUCER, HaltScope
from gateway.domain.limits import Limits
from gateway.domain.orders import SYSTEM_ORIGIN, Order, OrderState
from gateway.domain.policy import evaluate
from gateway.domain.risk import Reservation

from .errors import Conflict
from .ids import client_order_id, new_order_id


@dataclass(frozen=True, slots=True)
class FlattenResult:
    planned: list[FlattenLeg]
    orders: list[Order]  # created (approved, to be sent); empty for a dry run
    left: list[Leftover]
    dry_run: bool


def _require_halt(uow: UnitOfWork, symbol: str | None) -> None:
    book = uow.halts
    if book.global_halt is not None:
        return
    if symbol is not None and any(h.target == symbol for h in book.scoped
                                  if h.scope is HaltScope.SYMBOL):
        return
    what = f"{symbol} (or all trading)" if symbol else "all trading"
    raise Conflict(f"flatten runs only under a halt of {what}: halt first "
                   f"(`gateway halt --reason ... --flatten`)")


def flatten(uow: UnitOfWork, operator: str, reason: str, symbol: str | None = None,
            dry_run: bool = False) -> FlattenResult:
    """Plan (and unless `dry_run`, create as approved) the orders that close positions."""
    _require_halt(uow, symbol)
    limits, version = uow.limits()
    strict = flatten_limits(limits)
    snap = uow.snapshot()
    plan = plan_flatten(limits, snap, None if symbol is None else [symbol])
    planned: list[FlattenLeg] = []
    created: list[Order] = []
    left = list(plan.left)
    actor = f"operator:{operator}"
    for leg in plan.legs:
        decision = evaluate(leg.proposal(FLATTEN_PRODUCER), strict, snap)
        if not decision.passed:
            left.append(Leftover(leg.symbol, leg.quantity,
                                 f"refused by limits: {decision.summary()}"))
            continue
        planned.append(leg)
        if dry_run:
            continue
        order = _create(uow, leg, operator, reason, version, decision.checks, limits)
        created.append(order)
        reservation = Reservation(order.id, leg.symbol, leg.side, leg.quantity, FLATTEN_PRODUCER)
        snap = snap.with_reservation(reservation)
        uow.reserve(reservation)
    if not dry_run:
        uow.audit.append(uow.now, "halt.flatten", actor, reason=reason, payload={
            "symbol": symbol, "orders": [o.id for o in created],
            "left": [{"symbol": x.symbol, "quantity": x.quantity, "why": x.why} for x in left]})
    return FlattenResult(planned, created, left, dry_run)


def _create(uow: UnitOfWork, leg: FlattenLeg, operator: str, reason: str, version: str,
            checks: tuple[CheckResult, ...], limits: Limits) -> Order:
    order_id = new_order_id(uow.now)
    ttl = limits.approval_ttl_seconds
    order = Order(
        id=order_id, producer=FLATTEN_PRODUCER, symbol=leg.symbol, side=leg.side,
        type=leg.proposal(FLATTEN_PRODUCER).type, quantity=leg.quantity,
        limit_price=leg.limit_price, state=OrderState.APPROVED, created_at=uow.now,
        updated_at=uow.now, expires_at=uow.now + timedelta(seconds=ttl),
        idempotency_key=f"flatten-{order_id}", client_order_id=client_order_id(order_id),
        limits_version=version, rationale=f"flatten after halt: {reason}",
        approved_by=operator, decided_at=uow.now, version=2, origin=SYSTEM_ORIGIN)
    as_dicts = [c.as_dict() for c in checks]
    uow.add_order(order, orders_repo.encode_check_dicts(as_dicts))
    payload = {"symbol": leg.symbol, "side": leg.side.value, "type": order.type.value,
               "quantity": leg.quantity, "limit_price": leg.limit_price, "flatten": True,
               "limits_version": version, "checks": as_dicts}
    actor = f"operator:{operator}"
    uow.audit.append(uow.now, "order.proposed", actor, order_id=order_id, reason=reason,
                     payload=payload)
    uow.audit.append(uow.now, "order.approved", actor, order_id=order_id, payload={
        "from": "pending_approval", "version": 2, "flatten": True, "limits_version": version,
        "why": "reduce-only close after a halt, confirmed twice by a risk or admin operator"})
    return order
