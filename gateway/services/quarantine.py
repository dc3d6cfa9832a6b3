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
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from gateway.adapters.store.tables import principals as principals_table
from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.quarantine_limits import QuarantineLimits

from . import halt, principals
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
    """Quarantine `producer` in this transaction; False if it was not active any more.
    A burst of quarantines across producers halts trading (limits.yaml `quarantine.halt_after`)."""
    try:
        principals.set_status(uow, producer, "suspended", "system:quarantine",
                              f"quarantined: {trigger}", {"trigger": trigger, **evidence},
                              event="producer.quarantined")
    except Conflict:
        return False
    uow.conn.execute(update(principals_table).where(principals_table.c.name == producer)
                     .values(quarantined_at=uow.now))
    halt_on_burst(uow)
    return True


def halt_on_burst(uow: UnitOfWork) -> bool:
    """Halt when `halt_after` different producers were quarantined within the window."""
    if uow.limits_source is None or uow.halt.halted:
        return False
    rules = uow.limits()[0].quarantine
    if rules.halt_after is None:
        return False
    since = uow.now - timedelta(seconds=rules.halt_window_seconds)
    names = sorted(uow.conn.execute(select(principals_table.c.name).where(
        principals_table.c.kind == "producer",
        principals_table.c.quarantined_at >= since)).scalars())
    if len(names) < rules.halt_after:
        return False
    figures = {"quarantined": len(names), "limit": rules.halt_after,
               "window_seconds": rules.halt_window_seconds, "producers": names}
    actor = "system:quarantine_burst"
    halt.set_halt(uow, actor, f"quarantine burst: {len(names)} producers quarantined within "
                  f"{rules.halt_window_seconds} s reached quarantine.halt_after "
                  f"{rules.halt_after} ({', '.join(names)})",
                  rule="quarantine.halt_after", figures=figures)
    uow.audit.append(uow.now, "risk.breach", actor,
                     payload={"rule": "quarantine.halt_after", **figures})
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
