"""The order state machine: the only place that says which transitions are legal.

    proposed ──► rejected
        │
        ▼
    pending_approval ──► denied | expired | cancelled
        │
        ▼
    approved ──► cancelled | failed (re-check at send refused it)
        │
        ▼
    sending ──► failed (venue refused) | approved (venue never saw it; resend, same client id)
        │
        ▼
    submitted ──► partially_filled ──► filled
        │               │
        └──► filled     └──► cancelled
        └──► cancelled

`sending` is committed *before* the venue call, so a crash leaves a durable marker that the
outcome is unknown; recovery asks the venue by client order id before anything else.
"""

from __future__ import annotations

from .orders import OrderState as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PROPOSED: frozenset({S.REJECTED, S.PENDING_APPROVAL}),
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.DENIED, S.EXPIRED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SENDING, S.CANCELLED, S.FAILED}),
    S.SENDING: frozenset(
        {S.SUBMITTED, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.FAILED, S.APPROVED}
    ),
    S.SUBMITTED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED}),
    S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.DENIED: frozenset(),
    S.EXPIRED: frozenset(),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}


class IllegalTransition(Exception):
    """Raised when an order is asked to move where the state machine forbids."""

    def __init__(self, order_id: str, current: S, target: S) -> None:
        self.order_id = order_id
        self.current = current
        self.target = target
        super().__init__(
            f"order {order_id} is {current.value}; it cannot become {target.value}"
        )


def can_transition(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


def check_transition(order_id: str, current: S, target: S) -> None:
    if not can_transition(current, target):
        raise IllegalTransition(order_id, current, target)
