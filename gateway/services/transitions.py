"""Move an order through the state machine, write it and its audit record together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.adapters.store import orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.decision import CheckResult, Decision
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState, Proposal
from gateway.domain.policy import evaluate
from gateway.domain.risk import Reservation
from gateway.domain.state_machine import check_transition

from .errors import NotFound


def load(uow: UnitOfWork, order_id: str) -> Order:
    order = orders_repo.get_order(uow.conn, order_id, for_update=True)
    if order is None:
        raise NotFound(f"no order {order_id}")
    return order


def transition(
    uow: UnitOfWork,
    order: Order,
    target: OrderState,
    actor: str,
    *,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    checks: Sequence[CheckResult] | None = None,
    claimed_by: str | None = None,
    write: bool = True,
    stored: Order | None = None,
    **changes: Any,
) -> Order:
    """Move `order` to `target` with its audit record. `write=False` leaves the row to the
    caller's next transition in this job (two moves, one row write); that one then gets
    `stored`, the order as its row still holds it."""
    check_transition(order.id, order.state, target)
    after = order.evolve(
        state=target, version=order.version + 1, updated_at=uow.now,
        reason=reason if reason is not None else order.reason, **changes,
    )
    if write:
        orders_repo.update_order(uow.conn, stored or order, after, checks, claimed_by)
    uow.audit.append(uow.now, f"order.{target.value}", actor, order_id=order.id, reason=reason,
                     payload={"from": order.state.value, "version": after.version,
                              "producer": order.producer, **(payload or {})})
    if order.state.reserves_exposure != target.reserves_exposure or changes.get(
        "filled_quantity"
    ) is not None:
        uow.invalidate()
    return after


@dataclass(frozen=True, slots=True)
class Move:
    """One order's move in `transition_many`: only its state, reason and venue id change."""

    order: Order
    target: OrderState
    reason: str | None = None
    payload: dict[str, Any] | None = None
    venue_order_id: str | None = None


def transition_many(uow: UnitOfWork, moves: Sequence[Move], actor: str) -> list[Order]:
    """`transition` for many orders at once, in one UPDATE statement, each with its own audit
    record as `transition` writes it (a halt withdraws or cancels hundreds at a time)."""
    afters = []
    for m in moves:
        check_transition(m.order.id, m.order.state, m.target)
        after = m.order.evolve(
            state=m.target, version=m.order.version + 1, updated_at=uow.now,
            reason=m.reason if m.reason is not None else m.order.reason,
            venue_order_id=m.venue_order_id or m.order.venue_order_id)
        uow.audit.append(uow.now, f"order.{m.target.value}", actor, order_id=m.order.id,
                         reason=m.reason, payload={"from": m.order.state.value,
                                                   "version": after.version,
                                                   "producer": m.order.producer,
                                                   **(m.payload or {})})
        afters.append(after)
    orders_repo.move_many(uow.conn, [m.order for m in moves], afters)
    if afters:
        uow.invalidate()
    return afters


def as_proposal(order: Order) -> Proposal:
    return Proposal(
        producer=order.producer, symbol=order.symbol, side=order.side, type=order.type,
        quantity=order.remaining, limit_price=order.limit_price, venue=order.venue,
    )


def recheck(uow: UnitOfWork, order: Order, limits: Limits) -> Decision:
    """Evaluate an order that already reserves exposure, without counting it twice."""
    own = Reservation(order.id, order.symbol, order.side, order.remaining)
    snapshot = uow.snapshot()
    if order.state.reserves_exposure:
        snapshot = snapshot.with_reservation(own, sign=-1)
    return evaluate(as_proposal(order), limits, snapshot)
