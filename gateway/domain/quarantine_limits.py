"""The `quarantine:` section of limits.yaml: when a producer's behaviour suspends it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class QuarantineLimits(BaseModel):
    """Counts within `window_seconds` past which a producer is suspended automatically.

    Suspension withdraws its pending orders and alerts the desk; only an operator reinstates.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_seconds: StrictInt = Field(default=60, gt=0, le=86_400)
    """The sliding window every count below is taken over."""

    max_limit_refusals: StrictInt = Field(default=10, gt=0)
    """Proposals refused by limit checks: many in a short time is probing the boundary."""

    max_rate_refusals: StrictInt = Field(default=5, gt=0)
    """Proposals refused for exceeding the producer's own rate (bursts above its throttle)."""

    max_auth_failures: StrictInt = Field(default=5, gt=0)
    """Requests with a bad signature, a stale timestamp or a replayed nonce."""

    max_role_violations: StrictInt = Field(default=3, gt=0)
    """Calls outside the producer role (approve, halt, the audit trail, ...)."""

    halt_after: StrictInt | None = Field(default=None, gt=0)
    """Halt all trading automatically once this many different producers have been
    quarantined within `halt_window_seconds` (a burst means something systemic: a shared
    model gone wrong, a leaked key). Absent: quarantines never halt."""

    halt_window_seconds: StrictInt = Field(default=600, gt=0, le=86_400)
    """The window `halt_after` counts quarantines over."""
