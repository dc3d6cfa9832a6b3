"""The halt: persisted, checked in the same transaction as every claim and every intake."""

from __future__ import annotations

from gateway.adapters.store.uow import HaltState, UnitOfWork

from .errors import Conflict


def set_halt(uow: UnitOfWork, actor: str, reason: str) -> HaltState:
    if uow.halt.halted:
        return uow.halt  # already halted: keep who and why of the first halt
    state = HaltState(True, reason, actor, uow.now)
    uow.set_halt(state)
    uow.audit.append(uow.now, "halt.set", actor, reason=reason)
    return state


def clear_halt(uow: UnitOfWork, actor: str, reason: str) -> HaltState:
    if not uow.halt.halted:
        raise Conflict("trading is not halted; nothing to resume")
    previous = uow.halt
    state = HaltState(False)
    uow.set_halt(state)
    uow.audit.append(uow.now, "halt.cleared", actor, reason=reason,
                     payload={"halted_by": previous.actor, "halt_reason": previous.reason,
                              "halted_since": previous.since})
    return state
