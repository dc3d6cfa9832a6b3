"""Dual approval and the own-principal bar: who may approve, and when one approval is not enough.

A first of two approvals leaves the order pending and records the approver in
`approved_by` (a pending order has no other use for it) with the version bumped, so the
second approver necessarily sees, and is bound to, the version carrying the first approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select

from gateway.adapters.store import orders_repo
from gateway.adapters.store.tables import principals
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.decision import Decision
from gateway.domain.limits import Limits
from gateway.domain.orders import Order

from .errors import Forbidden


def order_notional(order: Order, prices: Mapping[str, Decimal]) -> Decimal | None:
    """Limit orders at their limit price; market orders at the reference price, if any."""
    price = order.limit_price if order.limit_price is not None else prices.get(order.symbol)
    return None if price is None else order.remaining * price


def needs_two(order: Order, limits: Limits, prices: Mapping[str, Decimal]) -> bool:
    threshold = limits.dual_approval_notional
    if threshold is None:
        return False
    notional = order_notional(order, prices)
    # No price, no proof it is small: fail closed and ask for two.
    return notional is None or notional > threshold


def principal_of(uow: UnitOfWork, name: str) -> str | None:
    row = uow.conn.execute(select(principals.c.principal).where(principals.c.name == name)).first()
    return None if row is None else str(row.principal)


def refuse_own_principal(uow: UnitOfWork, order: Order, operator: str) -> None:
    """Forbidden when the operator is the human who answers for the order's producer."""
    owner = principal_of(uow, order.producer)
    me = principal_of(uow, operator) or operator
    if owner is not None and owner.casefold() == me.casefold():
        raise Forbidden(f"{operator} answers for {order.producer} ({owner}) and limits.yaml bars "
                        "approving one's own bot's orders; ask another operator to approve")


def record_first(
    uow: UnitOfWork, order: Order, operator: str, decision: Decision, limits_version: str
) -> Order:
    after = order.evolve(version=order.version + 1, updated_at=uow.now, approved_by=operator)
    orders_repo.update_order(uow.conn, order, after, decision.checks)
    uow.audit.append(uow.now, "order.first_approval", f"operator:{operator}", order_id=order.id,
                     payload={"version": after.version, "limits_version": limits_version,
                              "checks": [c.as_dict() for c in decision.checks]})
    return after
