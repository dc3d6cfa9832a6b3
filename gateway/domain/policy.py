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
    results: list[CheckResult] = []
    with localcontext(EXACT):
        for check in checks:
            try:
                results.append(getattr(check, EXACT_BODY, check)(proposal, limits, snapshot))
            except (ArithmeticError, ValueError) as exc:
                # Fail closed: a check that cannot decide refuses.
                name = check.__name__.removeprefix("check_")
                results.append(CheckResult(name, False, None, None,
                                           f"could not be evaluated ({exc}); refused"))
    return Decision(tuple(results))
