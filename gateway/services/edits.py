"""Edit before approving: a trader may only make a pending order smaller or its price tighter.

Side, symbol and type never change. The edited order is re-checked with fresh data (less
its own old reservation), its version bumps, any first approval is void (it was given to
another order), and the audit record carries the values before and after.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.adapters.store import orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.limits import Limits
from gateway.domain.money import to_text
from gateway.domain.orders import Order, OrderState, Side
from gateway.domain.policy import evaluate
from gateway.domain.risk import Reservation

from .errors import Conflict, LimitRejected, ServiceError
from .transitions import as_proposal, load


class InvalidEdit(ServiceError):
    """The edit would grow the order, loosen its price or change nothing."""

    code = "invalid_edit"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def validate(order: Order, quantity: Decimal | None, limit_price: Decimal | None) -> None:
    """Raise InvalidEdit unless the edit only reduces quantity and/or tightens the price."""
    if quantity is None and limit_price is None:
        raise InvalidEdit("nothing to change: give a smaller quantity or a tighter limit_price",
                          "quantity")
    if quantity is not None and not Decimal(0) < quantity <= order.quantity:
        raise InvalidEdit(f"quantity may only be reduced: give a value above 0 and at most "
                          f"{to_text(order.quantity)}", "quantity")
    if limit_price is None:
        return
    if order.limit_price is None:
        raise InvalidEdit("a market order has no limit price to tighten; deny it and let the "
                          "bot propose a limit order", "limit_price")
    looser = limit_price > order.limit_price if order.side is Side.BUY else (
        limit_price < order.limit_price)
    if limit_price <= 0 or looser:
        bound = "at most" if order.side is Side.BUY else "at least"
        raise InvalidEdit(f"a {order.side.value} order's limit price may only be tightened: give "
                          f"a positive price {bound} {to_text(order.limit_price)}", "limit_price")


def edit(
    uow: UnitOfWork, order_id: str, operator: str, version: int,
    quantity: Decimal | None, limit_price: Decimal | None, limits: Limits, limits_version: str,
) -> Order:
    order = load(uow, order_id)
    if order.state is not OrderState.PENDING_APPROVAL:
        raise Conflict(f"order {order.id} is already {order.state.value}; only pending orders "
                       "can be edited", order)
    if version != order.version:
        raise Conflict(f"order {order.id} changed since you saw it (version {version}, now "
                       f"{order.version}); review the new version before you edit", order)
    if uow.now >= order.expires_at:
        raise Conflict(f"order {order.id} expired at {order.expires_at.isoformat()}; it can no "
                       "longer be edited", order)
    validate(order, quantity, limit_price)
    edited = order.evolve(
        quantity=order.quantity if quantity is None else quantity,
        limit_price=order.limit_price if limit_price is None else limit_price,
        version=order.version + 1, updated_at=uow.now, approved_by=None,
        limits_version=limits_version,
    )
    # Take away the order's old reservation, then judge the edited order on its own.
    own = Reservation(order.id, order.symbol, order.side, order.remaining)
    snapshot = uow.snapshot().with_reservation(own, sign=-1)
    decision = evaluate(as_proposal(edited), limits, snapshot)
    if not decision.passed:
        raise LimitRejected(decision, order)
    orders_repo.update_order(uow.conn, order, edited, decision.checks)
    uow.invalidate()  # the reservation shrank
    uow.audit.append(uow.now, "order.edited", f"operator:{operator}", order_id=order.id,
                     payload={"version": edited.version, "limits_version": limits_version,
                              "before": _values(order), "after": _values(edited),
                              "voided_first_approval": order.approved_by,
                              "checks": [c.as_dict() for c in decision.checks]})
    return edited


def _values(order: Order) -> dict[str, str | int | None]:
    price = None if order.limit_price is None else to_text(order.limit_price)
    return {"version": order.version, "quantity": to_text(order.quantity), "limit_price": price}
