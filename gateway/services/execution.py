"""Execution jobs (run in the writer): claim, and record what the venue says.

An order is claimed by moving it to `sending` in the same transaction that locks the gateway,
re-checks every limit with fresh data and reads the halt. Only then may a venue call happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from gateway.adapters.store import orders_repo, positions_repo
from gateway.adapters.store.tables import fills
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.decision import CheckResult
from gateway.domain.flatten import flatten_limits
from gateway.domain.halts import HaltBook, is_flatten
from gateway.domain.limits import Limits
from gateway.domain.orders import VENUE_STATES, Order, OrderState
from gateway.domain.positions import Position, apply_fill
from gateway.ports.exchange import VenueOrder, VenueOrderStatus

from . import halt
from .reconcile import Mismatch
from .transitions import Move, load, recheck, transition, transition_many

EXECUTOR = "system:executor"


def claim(uow: UnitOfWork, limits: Limits, limits_version: str, instance: str,
          max_orders: int = 32) -> list[Order]:
    book = uow.halts
    claimed = []
    for order in orders_repo.claimable(uow.conn, max_orders, book):
        flatten = is_flatten(order.producer)
        if book.blocking(order.symbol, order.producer) is not None:
            continue  # held by a halt (and withdrawn by it); never sent
        # A flatten order is sent despite a halt only because it reduces a position: it must
        # pass every limit with reduce-only forced on, here, at the moment of sending.
        decision = recheck(uow, order, flatten_limits(limits) if flatten else limits)
        if not decision.passed:
            transition(uow, order, OrderState.FAILED, EXECUTOR, checks=decision.checks,
                       reason=f"refused at send by limits {limits_version}: "
                              f"{decision.summary()}")
            continue
        claimed.append(claim_checked(uow, order, limits_version, instance, decision.checks,
                                     _flatten_note(flatten, book)))
    return claimed


def claim_checked(uow: UnitOfWork, order: Order, limits_version: str, instance: str,
                  checks: Sequence[CheckResult] | None = None,
                  note: dict[str, Any] | None = None, *, stored: Order | None = None) -> Order:
    """Claim an approved order whose limits the caller re-checked (all passed) in this same
    locked transaction; the halts are read here. Not stopped by one: it moves to `sending`
    for `instance`, which alone may send it once this commits. Stopped: it stays approved
    (and is withdrawn by the halt). `checks`: the re-check's findings, when not already
    stored with the order. `stored`: the order as its row holds it, when the caller's move
    to approved is not written yet (it is written here, either way)."""
    if uow.halts.blocking(order.symbol, order.producer) is not None:
        if stored is not None:
            orders_repo.update_order(uow.conn, stored, order, checks)
        return order
    return transition(uow, order, OrderState.SENDING, EXECUTOR, checks=checks,
                      claimed_by=instance, stored=stored,
                      payload={"client_order_id": order.client_order_id,
                               "limits_version": limits_version, **(note or {})},
                      limits_version=limits_version)


def _flatten_note(flatten: bool, book: HaltBook) -> dict[str, Any]:
    if not flatten:
        return {}
    return {"flatten": True, "reduce_only_checked": True,
            "despite_halts": [h.label for h in book.halts]}


def _target_state(order: Order, vo: VenueOrder) -> OrderState:
    if vo.status is VenueOrderStatus.CLOSED or vo.filled >= order.quantity:
        return OrderState.FILLED
    if vo.status is VenueOrderStatus.CANCELED:
        return OrderState.CANCELLED
    if vo.status is VenueOrderStatus.REJECTED:
        return OrderState.FAILED
    return OrderState.PARTIALLY_FILLED if vo.filled > 0 else OrderState.SUBMITTED


def record_venue_state(uow: UnitOfWork, order_id: str, vo: VenueOrder) -> Order:
    """Apply what the venue reports: new fills into the position, then the state."""
    order = load(uow, order_id)
    if order.state not in VENUE_STATES:
        return order  # already terminal here; a late report changes nothing
    delta = vo.filled - order.filled_quantity
    changes: dict[str, Any] = {"venue_order_id": vo.venue_order_id}
    if delta > 0:
        old_cost = (order.average_fill_price or Decimal(0)) * order.filled_quantity
        price = ((vo.average or Decimal(0)) * vo.filled - old_cost) / delta
        fee = vo.fee - order.fees
        _record_fill(uow, order, delta, price, fee)
        changes.update(filled_quantity=vo.filled, average_fill_price=vo.average, fees=vo.fee)
    target = _target_state(order, vo)
    if target is order.state and delta <= 0:
        return order
    if target is order.state and target is not OrderState.PARTIALLY_FILLED:
        target = order.state
    payload = {"venue_order_id": vo.venue_order_id, "filled": vo.filled, "average": vo.average,
               "fee": vo.fee, "venue_status": vo.status.value}
    if target is order.state:
        return transition(uow, order, target, EXECUTOR, payload=payload, **changes)
    reason = "refused by the venue" if target is OrderState.FAILED else None
    return transition(uow, order, target, EXECUTOR, payload=payload, reason=reason, **changes)


def record_replies(uow: UnitOfWork, replies: Sequence[tuple[str, VenueOrder]]) -> int:
    """`record_venue_state` for many replies at once (a halt's cancels): those that only
    change state are written in one statement; any with new fills take the full path.
    Returns how many orders changed."""
    found = {o.id: o for o in orders_repo.get_many(uow.conn, [i for i, _ in replies])}
    moves, changed = [], 0
    for order_id, vo in replies:
        order = found.get(order_id)
        if order is None or order.state not in VENUE_STATES:
            continue
        if vo.filled != order.filled_quantity:
            record_venue_state(uow, order_id, vo)
            changed += 1
            continue
        target = _target_state(order, vo)
        if target is order.state:
            continue
        moves.append(Move(order, target, "refused by the venue"
                          if target is OrderState.FAILED else None,
                          {"venue_order_id": vo.venue_order_id, "filled": vo.filled,
                           "average": vo.average, "fee": vo.fee,
                           "venue_status": vo.status.value}, vo.venue_order_id))
    transition_many(uow, moves, EXECUTOR)
    return changed + len(moves)


def _record_fill(uow: UnitOfWork, order: Order, qty: Decimal, price: Decimal,
                 fee: Decimal) -> None:
    uow.conn.execute(insert(fills).values(order_id=order.id, ts=uow.now, symbol=order.symbol,
                                          side=order.side.value, quantity=qty, price=price,
                                          fee=fee))
    current = positions_repo.load_positions(uow.conn).get(order.symbol, Position(order.symbol))
    after = apply_fill(current, order.side, qty, price, fee)
    positions_repo.save_position(uow.conn, after, uow.now)
    uow.audit.append(uow.now, "order.fill", EXECUTOR, order_id=order.id,
                     payload={"quantity": qty, "price": price, "fee": fee,
                              "position_after": after.quantity,
                              "realized_pnl_after": after.realized_pnl})
    uow.invalidate()


def mark_failed(uow: UnitOfWork, order_id: str, reason: str) -> Order:
    order = load(uow, order_id)
    if order.state is not OrderState.SENDING:
        return order
    return transition(uow, order, OrderState.FAILED, EXECUTOR, reason=reason)


def release_unsent(uow: UnitOfWork, order_id: str, why: str) -> Order:
    """The venue has never seen this order: it goes back to approved, to be re-checked and
    re-sent under the same client order id (which the venue refuses to duplicate)."""
    order = load(uow, order_id)
    if order.state is not OrderState.SENDING:
        return order
    return transition(uow, order, OrderState.APPROVED, EXECUTOR, reason=why)


def stale_sending(uow: UnitOfWork, instance: str, older_than_s: float,
                  inflight: frozenset[str] = frozenset()) -> list[Order]:
    """`sending` orders nobody is settling: another (or an earlier, crashed) process's after
    the grace period, which keeps us off sends a live process still has in flight; and our
    own whose send finished without an answer (`inflight` are ours still being sent)."""
    out = []
    for order in orders_repo.orders_in_states(uow.conn, [OrderState.SENDING]):
        if orders_repo.claimed_by(uow.conn, order.id) == instance:
            if order.id not in inflight:
                out.append(order)
        elif (uow.now - order.updated_at).total_seconds() > older_than_s:
            out.append(order)
    return out


def record_mismatches(uow: UnitOfWork, mismatches: list[Mismatch], halt_on: bool,
                      cleared: int = 0) -> None:
    """Audit each new mismatch with the venue (with `halt_on`, halt trading as well), and
    how many reported earlier are gone (`venue.reconciled`)."""
    if cleared:
        uow.audit.append(uow.now, "venue.reconciled", EXECUTOR,
                         payload={"cleared": cleared})
    for m in mismatches:
        payload: dict[str, Any] = {"kind": m.kind, "client_order_id": m.client_order_id}
        if m.currency is not None:
            payload.update(currency=m.currency, expected=m.expected, held=m.held)
        uow.audit.append(uow.now, "venue.mismatch", EXECUTOR, order_id=m.order_id,
                         reason=m.detail, payload=payload)
    if mismatches and halt_on:
        kinds: dict[str, int] = {}
        for m in mismatches:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        listed = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        halt.set_halt(uow, EXECUTOR, f"reconciliation found {len(mismatches)} mismatch(es) "
                                     f"with the venue ({listed}) and GATEWAY_RECONCILE_HALT=1; "
                                     "see venue.mismatch in the audit trail",
                      rule="reconcile_halt", figures={"mismatches": len(mismatches),
                                                      "by_kind": kinds})


def venue_unreachable(uow: UnitOfWork, since_s: float, error: str,
                      threshold_s: float | None = None) -> None:
    """The venue stayed unreachable past the threshold: stop sending (a persisted halt that
    a human clears) and say so; open orders are cancelled once the venue answers."""
    figures = {"unreachable_for_s": round(since_s, 1), "threshold_s": threshold_s}
    uow.audit.append(uow.now, "venue.unreachable", EXECUTOR, reason=error, payload=figures)
    limit = f", past GATEWAY_VENUE_DOWN_S {threshold_s:g} s" if threshold_s is not None else ""
    halt.set_halt(uow, EXECUTOR, f"venue unreachable for {since_s:.0f} s{limit} ({error}); "
                                 "open orders will be cancelled when it answers; resume once "
                                 "it is healthy", rule="venue_down_s", figures=figures)


def venue_reachable(uow: UnitOfWork, cancelled: int) -> None:
    uow.audit.append(uow.now, "venue.reachable", EXECUTOR,
                     payload={"cancelled_open_orders": cancelled})
