"""Small helpers shared by the checks."""

from __future__ import annotations

from ..decision import CheckResult, Observed


def ok(name: str, observed: Observed, limit: Observed, message: str) -> CheckResult:
    return CheckResult(name, True, observed, limit, message)


def refuse(name: str, observed: Observed, limit: Observed, message: str) -> CheckResult:
    return CheckResult(name, False, observed, limit, message)


def not_set(name: str, observed: Observed = None) -> CheckResult:
    return CheckResult(name, True, observed, None, "no limit set")
