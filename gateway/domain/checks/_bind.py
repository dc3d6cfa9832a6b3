"""Checks bound to one limits version and one symbol, ahead of time.

Most of a check's work used to be reading limits.yaml: the symbol's entry, the tighter of
two caps, the text of a limit. Those depend only on the limits in force and the order's
symbol, so a bindable check is written as a binder, `bind(limits, symbol)`, returning what
is left to do per proposal: a step `(proposal, limits, snapshot) -> CheckResult`, or the
finding itself when nothing is left (a rule that is not configured: findings are frozen).
The policy binds every check once per limits version and symbol (`policy.py`); the plain
`check_*` function, derived here from the same binder, binds on every call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from ..decision import CheckResult
from ..limits import Limits
from ..money import exact
from ..orders import Proposal
from ..risk import RiskSnapshot

Check: TypeAlias = Callable[[Proposal, Limits, RiskSnapshot], CheckResult]
Step: TypeAlias = CheckResult | Check
Binder: TypeAlias = Callable[[Limits, str], Step]

BINDER = "__binder__"


def run_step(step: Step, p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    # A finding is a tuple, a step is a function: the class tells them apart.
    return step if step.__class__ is CheckResult else step(p, limits, snap)  # type: ignore[operator]


def bound(name: str, *, exact_money: bool = False) -> Callable[[Binder], Check]:
    """`check_<name>` from its binder: the check as the policy runs it, for callers that
    run one check on its own (tests, and the policy's one-by-one fallback)."""

    def decorate(binder: Binder) -> Check:
        def check(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
            return run_step(binder(limits, p.symbol), p, limits, snap)

        check.__name__ = check.__qualname__ = f"check_{name}"
        check.__doc__ = binder.__doc__
        if exact_money:
            # Binding resolves caps (no arithmetic); the step compares money: both exactly.
            check = exact(check)
        setattr(check, BINDER, binder)
        return check

    return decorate
