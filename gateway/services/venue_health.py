"""What the executor knows about the venue's health, from the outcome of every call.

Plain state, no I/O: the executor reports each call's outcome with `noted()` and asks
whether to back off, probe, or treat the venue as down (halt and cancel when it answers).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.ports.exchange import (
    OrderNotFound,
    OrderRefused,
    OutcomeUnknown,
    RateLimited,
    VenueError,
    VenueUnavailable,
)

UNREACHABLE = (VenueUnavailable, OutcomeUnknown)
MAX_DOUBLED_S = 300.0


class VenueHealth:
    def __init__(self, down_after_s: float, probe_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.down_after_s = down_after_s
        self.probe_s = probe_s
        self._clock = clock
        self.backoff_until = 0.0
        self.unreachable_since: float | None = None
        self.last_contact = 0.0
        self.last_error = ""
        self.down = False            # past the threshold: we halted; stays until recovered
        self.cancel_pending = False  # open orders still to cancel once the venue answers
        self._limited = 0            # rate limits in a row

    def noted(self, error: VenueError | None) -> None:
        """Record one call's outcome: None for success, else the port's error."""
        now = self._clock()
        if isinstance(error, RateLimited):
            # Asked again right after a back-off: wait twice as long each time (capped),
            # never less than the venue asked.
            doubled = min(MAX_DOUBLED_S, error.retry_after * 2 ** self._limited)
            self._limited += 1
            self.backoff_until = now + max(error.retry_after, doubled)
        elif error is None:
            self._limited = 0
        if isinstance(error, UNREACHABLE):
            self.unreachable_since = self.unreachable_since or now
            self.last_error = str(error)
        elif error is None or isinstance(error, OrderNotFound | OrderRefused):
            # A definite answer, even a refusal, proves the venue is there.
            self.unreachable_since = None
            self.last_contact = now

    @property
    def backing_off(self) -> bool:
        return self._clock() < self.backoff_until

    @property
    def reachable(self) -> bool:
        return self.unreachable_since is None

    @property
    def needs_probe(self) -> bool:
        return not self.reachable or self._clock() - self.last_contact > self.probe_s

    @property
    def needs_recovery(self) -> bool:
        return not self.reachable or self.cancel_pending or self.down

    def newly_down(self) -> float | None:
        """Seconds unreachable, the first time the threshold is passed; else None."""
        if self.unreachable_since is None or self.down:
            return None
        seconds = self._clock() - self.unreachable_since
        if seconds < self.down_after_s:
            return None
        self.down = self.cancel_pending = True
        return seconds
