"""Halts: persisted, checked in the same transaction as every claim, approval and intake.

A halt commits in a transaction of its own, as small as it can be: from that commit on, no
claim can move an order in its scope to `sending` (every claim reads the halts under the same
lock). What follows is done by every process's executor as soon as it hears of the halt:
pending and approved orders in its scope are withdrawn (cancelled, audited, pushed to their
bots) and open venue orders in its scope are cancelled. See docs/HALT.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from gateway.adapters.store import orders_repo
from gateway.adapters.store.tables import orders, principals
from gateway.adapters.store.uow import HaltState, UnitOfWork
from gateway.domain.halts import FLATTEN_PRODUCER, Halt, HaltBook, HaltScope, refusal
from gateway.domain.limits import SYMBOL_RE
from gateway.domain.orders import OrderState

from .errors import Conflict, NotFound
from .transitions import Move, transition_many

WITHDRAW = "system:halt"
WITHDRAW_BATCH = 250  # orders withdrawn per transaction, so no batch holds the lock long
WAITING = (OrderState.PENDING_APPROVAL, OrderState.APPROVED)


@dataclass(frozen=True, slots=True)
class HaltResult:
    halt: Halt
    newly: bool  # False: that scope was already halted (the first halt's who and why stand)
    sends_in_flight: int  # orders claimed before the halt whose send may still land


def _in_scope(scope: HaltScope, target: str) -> Any:
    if scope is HaltScope.SYMBOL:
        return orders.c.symbol == target
    if scope is HaltScope.PRODUCER:
        return orders.c.producer == target
    return orders.c.producer != FLATTEN_PRODUCER


def sends_in_flight(uow: UnitOfWork, scope: HaltScope = HaltScope.GLOBAL,
                    target: str = "") -> int:
    """Orders in `sending` in the scope: claimed before the halt, their send may still land."""
    return int(uow.conn.execute(select(func.count()).select_from(orders).where(
        orders.c.state == OrderState.SENDING.value, _in_scope(scope, target))).scalar_one())


def set_halt(uow: UnitOfWork, actor: str, reason: str, *, rule: str | None = None,
             figures: dict[str, Any] | None = None) -> HaltState:
    """Halt all trading. An automatic halt names its `rule` and the `figures` that fired it."""
    if uow.halt.halted:
        return uow.halt  # already halted: keep who and why of the first halt
    state = HaltState(True, reason, actor, uow.now, rule)
    uow.set_halt(state)
    uow.audit.append(uow.now, "halt.set", actor, reason=reason,
                     payload=_payload(HaltScope.GLOBAL, "", rule, figures))
    return state


def halt(uow: UnitOfWork, scope: HaltScope, target: str, actor: str, reason: str, *,
         rule: str | None = None, figures: dict[str, Any] | None = None) -> HaltResult:
    """Halt one scope: everything, a symbol or a producer."""
    _check_target(uow, scope, target)
    existing = uow.halts.find(scope, target)
    if existing is None:
        if scope is HaltScope.GLOBAL:
            set_halt(uow, actor, reason, rule=rule, figures=figures)
        else:
            uow.put_scoped_halt(Halt(scope, target, reason, actor, uow.now, rule))
            uow.audit.append(uow.now, "halt.set", actor, reason=reason,
                             payload=_payload(scope, target, rule, figures))
    found = uow.halts.find(scope, target)
    assert found is not None
    return HaltResult(found, existing is None, sends_in_flight(uow, scope, target))


def _check_target(uow: UnitOfWork, scope: HaltScope, target: str) -> None:
    # A misspelt scope would halt nothing while the operator believes it halted something.
    if scope is HaltScope.SYMBOL:
        known = uow.limits()[0].symbols if uow.limits_source is not None else None
        if not SYMBOL_RE.fullmatch(target) or (known is not None and target not in known):
            listed = f" (tradable: {', '.join(sorted(known))})" if known else ""
            raise NotFound(f"no tradable symbol {target!r}{listed}: nothing to halt; check "
                           "the spelling (BASE/QUOTE in upper case)")
    elif scope is HaltScope.PRODUCER:
        kind = uow.conn.execute(select(principals.c.kind).where(
            principals.c.name == target)).scalar_one_or_none()
        if kind != "producer":
            raise NotFound(f"no producer named {target!r}: nothing to halt; "
                           "`gateway producers list` shows them")


def resume(uow: UnitOfWork, scope: HaltScope, target: str, actor: str,
           reason: str) -> tuple[Halt, list[str]]:
    """Lift one halt. Orders it held back that are still waiting are withdrawn first, in
    this transaction, so nothing approved before the halt is sent because of the resume."""
    current = uow.halts.find(scope, target)
    if current is None:
        where = "trading is" if scope is HaltScope.GLOBAL else f"{scope.value} {target} is"
        rest = ", ".join(h.label for h in uow.halts.halts)
        raise Conflict(f"{where} not halted; nothing to resume"
                       + (f" (halted now: {rest})" if rest else ""))
    withdrawn = _withdraw(uow, HaltBook((current,)), limit=None)
    if scope is HaltScope.GLOBAL:
        uow.set_halt(HaltState(False))
    else:
        uow.drop_scoped_halt(current)
    uow.audit.append(uow.now, "halt.cleared", actor, reason=reason, payload={
        "scope": scope.value, "target": target or None, "halted_by": current.actor,
        "halt_reason": current.reason, "halted_since": current.since, "rule": current.rule,
        "withdrawn": len(withdrawn)})
    return current, withdrawn


def clear_halt(uow: UnitOfWork, actor: str, reason: str) -> HaltState:
    resume(uow, HaltScope.GLOBAL, "", actor, reason)
    return uow.halt


def withdraw_halted(uow: UnitOfWork, limit: int = WITHDRAW_BATCH) -> list[str]:
    """Withdraw up to `limit` orders that wait for a decision or a send in a halted scope;
    the executor repeats this until it returns fewer than `limit`."""
    return _withdraw(uow, uow.halts, limit)


def _withdraw(uow: UnitOfWork, book: HaltBook, limit: int | None) -> list[str]:
    waiting = orders_repo.stopped(uow.conn, WAITING, book, limit)
    moves = []
    for order in waiting:
        stop = book.blocking(order.symbol, order.producer)
        assert stop is not None  # the query selected exactly these
        moves.append(Move(order, OrderState.CANCELLED, f"withdrawn: {refusal(stop)}",
                          {"halt_scope": stop.scope.value, "halt_target": stop.target or None}))
    transition_many(uow, moves, WITHDRAW)
    return [m.order.id for m in moves]


def _payload(scope: HaltScope, target: str, rule: str | None,
             figures: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"scope": scope.value, "target": target or None}
    if rule is not None:
        out.update(rule=rule, figures=figures or {})
    return out
