"""A decision carries every check's finding, passing ones too, so people can see why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from .money import to_text

Observed = Decimal | str | int | None


class CheckResult(NamedTuple):
    """One check's finding. A named tuple, not a frozen dataclass: every proposal builds one
    per check, and a tuple is built several times faster (see scripts/bench limits-eval)."""

    name: str
    passed: bool
    observed: Observed
    limit: Observed
    message: str

    def as_dict(self) -> dict[str, object]:
        observed, limit = self.observed, self.limit
        return {
            "name": self.name,
            "passed": self.passed,
            "observed": to_text(observed) if isinstance(observed, Decimal) else observed,
            "limit": to_text(limit) if isinstance(limit, Decimal) else limit,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        # Default deny: a decision with no checks at all passes nothing.
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def summary(self) -> str:
        if self.passed:
            return "all checks passed"
        return "; ".join(f"{c.name}: {c.message}" for c in self.failures)
