"""Run every check; collect every finding (never stop at the first)."""

from __future__ import annotations

from decimal import localcontext

from .checks import ALL_CHECKS, Check
from .decision import CheckResult, Decision
from .limits import Limits
from .money import EXACT, EXACT_BODY
from .orders import Proposal
from .risk import RiskSnapshot


def evaluate(
    proposal: Proposal,
    limits: Limits,
    snapshot: RiskSnapshot,
    checks: tuple[Check, ...] = ALL_CHECKS,
) -> Decision:
    # Amounts carry up to 38 digits and products of two up to 76: Decimal's default 28-digit
    # context would round a notional one step over a cap down onto it. EXACT is exact, and
    # every check runs inside this one context (an @exact check's own wrapper would only
    # enter it again: its body is called directly).
    with localcontext(EXACT):
        try:
            results = [getattr(c, EXACT_BODY, c)(proposal, limits, snapshot) for c in checks]
        except (ArithmeticError, ValueError):
            # Rare: run them one by one, so the one that cannot decide refuses and every
            # other still reports (checks are pure: running them again changes nothing).
            results = [_run(c, proposal, limits, snapshot) for c in checks]
    return Decision(tuple(results))


def _run(check: Check, p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    try:
        return getattr(check, EXACT_BODY, check)(p, limits, snap)
    except (ArithmeticError, ValueError) as exc:
        # Fail closed: a check that cannot decide refuses.
        name = check.__name__.removeprefix("check_")
        return CheckResult(name, False, None, None, f"could not be evaluated ({exc}); refused")
