"""The human decisions: approve (re-checked with fresh data), deny, cancel, and expiry."""

from __future__ import annotations

from sqlalchemy import select

from gateway.adapters.store import orders_repo
from gateway.adapters.store.tables import principals
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.limits import Limits
from gateway.domain.orders import Order, OrderState

from . import dual, execution
from .errors import Conflict, Forbidden, HaltedError, LimitRejected, NotFound
from .transitions import load, recheck, transition


def _pending(uow: UnitOfWork, order: Order, version: int | None, action: str) -> None:
    if order.state is not OrderState.PENDING_APPROVAL:
        by = f" by {order.approved_by}" if order.approved_by else ""
        raise Conflict(f"order {order.id} is already {order.state.value}{by}; nothing to "
                       f"{action}", order)
    if version is not None and version != order.version:
        raise Conflict(f"order {order.id} changed since you saw it (version {version}, now "
                       f"{order.version}); review the new version before you {action}", order)


def approve(
    uow: UnitOfWork, order_id: str, operator: str, version: int | None, limits: Limits,
    limits_version: str, *, send_by: str | None = None,
) -> Order:
    """Approve after a re-check with fresh data. With `send_by` (an executor instance ready
    to send) the approved order is also claimed for it in this transaction: the re-check and
    the halt read under the write lock are exactly what a separate claim would repeat, and
    one durable commit then covers both (see docs/ORDER_LIFECYCLE.md)."""
    order = load(uow, order_id)
    # The halt first: while it holds, "halted" is the answer (its orders are being withdrawn).
    stop = uow.halts.blocking(order.symbol, order.producer)
    if stop is not None:
        raise HaltedError.of(stop)
    _pending(uow, order, version, "approve")
    if uow.now >= order.expires_at:
        transition(uow, order, OrderState.EXPIRED, "system:expiry", reason="approval window ended")
        raise Conflict(f"order {order.id} expired at {order.expires_at.isoformat()}; the bot "
                       "must propose again")
    if limits.bar_own_principal_approval:
        dual.refuse_own_principal(uow, order, operator)
    refuse_foreign_operator(uow, order, operator, limits)
    decision = recheck(uow, order, limits)
    if not decision.passed:
        # The order stays pending with its fresh findings so the desk shows why.
        raise LimitRejected(decision, order)
    first = order.approved_by  # set on a pending order only by a first of two approvals
    if dual.needs_two(order, limits, uow.prices):
        if first is None:
            return dual.record_first(uow, order, operator, decision, limits_version)
        if first == operator:
            raise Conflict(f"you already gave order {order.id} its first approval; a different "
                           "operator must give the second", order)
    approved = transition(
        uow, order, OrderState.APPROVED, f"operator:{operator}", checks=decision.checks,
        payload={"limits_version": limits_version, "first_approved_by": first,
                 "checks": [c.as_dict() for c in decision.checks]},
        approved_by=operator, decided_at=uow.now, limits_version=limits_version,
        write=send_by is None,
    )
    if send_by is None:
        return approved
    # Both moves keep their audit records; the row is written once, by the claim.
    return execution.claim_checked(uow, approved, limits_version, send_by, decision.checks,
                                   stored=order)


def refuse_foreign_operator(uow: UnitOfWork, order: Order, operator: str,
                            limits: Limits) -> None:
    """An operator approves only orders on venues that serve the operator's own jurisdiction:
    approving is trading on that venue, as much as proposing is."""
    venue = order.venue or uow.market.venue
    rules = None if limits.venues is None or venue is None else limits.venues.get(venue)
    if rules is None:
        return  # no venues: section, or an undeclared venue the limit checks refuse anyway
    where = uow.conn.execute(select(principals.c.jurisdiction).where(
        principals.c.name == operator)).scalar_one_or_none()
    if not rules.serves(where):
        raise Forbidden(f"venue {venue} serves only {rules.served()}; operator {operator} is "
                        f"registered in {where or 'no jurisdiction'} and may not approve orders "
                        "on it: an operator from a served jurisdiction must approve (an admin "
                        f"sets yours with `gateway operators set-scope {operator} "
                        "--jurisdiction XX`)")


def deny(uow: UnitOfWork, order_id: str, operator: str, reason: str, version: int | None) -> Order:
    order = load(uow, order_id)
    _pending(uow, order, version, "deny")
    return transition(uow, order, OrderState.DENIED, f"operator:{operator}", reason=reason,
                      approved_by=operator, decided_at=uow.now)


def cancel(uow: UnitOfWork, order_id: str, actor: str, producer: str | None, reason: str) -> Order:
    """Cancel an order not yet at the venue. `producer` restricts to that producer's orders."""
    order = load(uow, order_id)
    if producer is not None and order.producer != producer:
        # As when reading it: another producer's order is not theirs to learn exists.
        raise NotFound(f"no order {order_id}")
    if order.state not in (OrderState.PENDING_APPROVAL, OrderState.APPROVED):
        raise Conflict(f"order {order.id} is {order.state.value}; only pending or approved "
                       "orders can be cancelled here (orders at the venue are cancelled by "
                       "the executor)", order)
    return transition(uow, order, OrderState.CANCELLED, actor, reason=reason)


def expire_due(uow: UnitOfWork) -> list[str]:
    expired = []
    for order in orders_repo.expired_pending(uow.conn, uow.now):
        if uow.now >= order.expires_at:
            transition(uow, order, OrderState.EXPIRED, "system:expiry",
                       reason="no decision within the approval window")
            expired.append(order.id)
    return expired
