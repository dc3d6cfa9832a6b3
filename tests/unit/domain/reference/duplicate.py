from __future__ import annotations

from gateway.domain.checks._result import not_set, ok, refuse
from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "duplicate_guard"


def check_duplicate(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    window = limits.duplicate_window_seconds
    if window == 0 or snap.now is None:
        return not_set(NAME)
    if p.idempotency_key is not None:
        # A key of its own says "this is a distinct order"; retries of it are replays.
        return ok(NAME, "idempotency key", f"{window}s", "carries its own idempotency key")
    for r in snap.recent_orders:
        age = (snap.now - r.created_at).total_seconds()
        if (age <= window and r.symbol == p.symbol and r.side is p.side
                and r.quantity == p.quantity):
            return refuse(NAME, f"{age:.1f}s ago", f"{window}s",
                          "the same order arrived moments ago; if this is a new order, send "
                          "an idempotency_key of its own")
    return ok(NAME, "no twin", f"{window}s", "not a duplicate")
