from __future__ import annotations

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from ._bind import Step, bound
from ._result import not_set, ok, refuse

NAME = "duplicate_guard"
NOT_SET = not_set(NAME)


def _bind(limits: Limits, symbol: str) -> Step:
    window = limits.duplicate_window_seconds
    if window == 0:
        return NOT_SET
    shown = f"{window}s"
    # A key of its own says "this is a distinct order"; retries of it are replays.
    own_key = ok(NAME, "idempotency key", shown, "carries its own idempotency key")
    no_twin = ok(NAME, "no twin", shown, "not a duplicate")

    def duplicate(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
        now = snap.now
        if now is None:
            return NOT_SET
        if p.idempotency_key is not None:
            return own_key
        for r in snap.recent_orders:
            age = (now - r.created_at).total_seconds()
            if (age <= window and r.symbol == p.symbol and r.side is p.side
                    and r.quantity == p.quantity):
                return refuse(NAME, f"{age:.1f}s ago", shown,
                              "the same order arrived moments ago; if this is a new order, "
                              "send an idempotency_key of its own")
        return no_twin

    return duplicate


check_duplicate = bound("duplicate")(_bind)
