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
        return {
            "name": self.name,
            "passed": self.passed,
            "observed": _text(self.observed),
            "limit": _text(self.limit),
            "message": self.message,
        }


def _text(value: Observed) -> str | int | None:
    if isinstance(value, Decimal):
        return to_text(value)
    return value


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
