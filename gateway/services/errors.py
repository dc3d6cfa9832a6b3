"""Errors the services raise; the API maps each to one status code and error code."""

from __future__ import annotations

from gateway.domain.decision import Decision
from gateway.domain.halts import Halt
from gateway.domain.orders import Order


class ServiceError(Exception):
    code = "error"
    # True once an audit record of this refusal is written (else the API writes call.refused).
    audited = False
    # Who was refused, when known though not admitted (e.g. a suspended producer).
    actor: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    """The request does not fit the order's current state or version."""

    code = "conflict"

    def __init__(self, message: str, order: Order | None = None) -> None:
        super().__init__(message)
        self.order = order


class Forbidden(ServiceError):
    code = "forbidden"


class Unauthorized(ServiceError):
    code = "unauthorized"


class HaltedError(ServiceError):
    code = "halted"

    def __init__(self, reason: str | None, scope: str = "global",
                 target: str | None = None) -> None:
        where = "trading" if scope == "global" else f"trading for {scope} {target}"
        super().__init__(f"{where} is halted: {reason or 'no reason given'}")
        self.reason = reason
        self.scope = scope
        self.target = target

    @classmethod
    def of(cls, halt: Halt) -> HaltedError:
        return cls(halt.reason, halt.scope.value, halt.target or None)


class LimitRejected(ServiceError):
    """Checks refused the order; carries every finding."""

    code = "limit_rejected"

    def __init__(self, decision: Decision, order: Order | None = None,
                 replayed: bool = False) -> None:
        super().__init__(f"refused by limits: {decision.summary()}")
        self.decision = decision
        self.order = order
        self.replayed = replayed  # a retry of an already refused proposal (same key)
