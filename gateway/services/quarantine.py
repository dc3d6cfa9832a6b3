"""Watch each producer's behaviour and suspend it automatically past limits.yaml thresholds.

The evidence: proposals refused by limits (probing the boundary), proposals refused for
bursting above its throttle or rate, bad signatures / stale timestamps / replays, and calls
outside its role. Each gateway process counts what it sees in a sliding window per producer
(thresholds in limits.yaml `quarantine:`). Suspension is written to the database, so it
holds in every process: it withdraws the producer's queue and writes `producer.quarantined`
with the evidence, which the desk sees on its event stream. Only an operator reinstates.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.quarantine_limits import QuarantineLimits

from . import principals
from .errors import Conflict

AUTH_FAILURES = "auth_failures"
ROLE_VIOLATIONS = "role_violations"
LIMIT_REFUSALS = "limit_refusals"
RATE_REFUSALS = "rate_refusals"
# Checks whose refusal means "too many, too fast" rather than "outside the limits".
BURST_CHECKS = frozenset({"producer_rate", "throttle"})


def threshold(rules: QuarantineLimits, kind: str) -> int:
    return {AUTH_FAILURES: rules.max_auth_failures, ROLE_VIOLATIONS: rules.max_role_violations,
            LIMIT_REFUSALS: rules.max_limit_refusals,
            RATE_REFUSALS: rules.max_rate_refusals}[kind]


def suspend(uow: UnitOfWork, producer: str, trigger: str, evidence: dict[str, Any]) -> bool:
    """Quarantine `producer` in this transaction; False if it was not active any more."""
    try:
        principals.set_status(uow, producer, "suspended", "system:quarantine",
                              f"quarantined: {trigger}", {"trigger": trigger, **evidence},
                              event="producer.quarantined")
    except Conflict:
        return False
    return True


class Watch:
    """Sliding windows of one process's observations, per producer and kind."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._events: dict[tuple[str, str], deque[tuple[float, str]]] = defaultdict(deque)
        self._lock = threading.Lock()

    def record(self, producer: str, kind: str, detail: str,
               rules: QuarantineLimits) -> list[str] | None:
        """Note one event; at the threshold return the evidence (and start counting anew)."""
        now, window = self._clock(), float(rules.window_seconds)
        with self._lock:
            events = self._events[(producer, kind)]
            events.append((now, detail))
            while events and now - events[0][0] > window:
                events.popleft()
            if len(events) < threshold(rules, kind):
                return None
            evidence = [d for _, d in events]
            events.clear()
            return evidence
