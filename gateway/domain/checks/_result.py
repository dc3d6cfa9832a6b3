"""Small helpers shared by the checks."""

from __future__ import annotations

from ..decision import CheckResult, Observed

# What CheckResult(...) does (a named tuple's __new__ is a Python function around exactly
# this call), without that extra frame: these run for nearly every check of every proposal.
_new = tuple.__new__


def ok(name: str, observed: Observed, limit: Observed, message: str) -> CheckResult:
    return _new(CheckResult, (name, True, observed, limit, message))


def refuse(name: str, observed: Observed, limit: Observed, message: str) -> CheckResult:
    return _new(CheckResult, (name, False, observed, limit, message))


def not_set(name: str, observed: Observed = None) -> CheckResult:
    return _new(CheckResult, (name, True, observed, None, "no limit set"))
