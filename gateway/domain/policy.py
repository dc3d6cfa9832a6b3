"""Run every check; collect every finding (never stop at the first)."""

from __future__ import annotations

from decimal import Context, InvalidOperation, localcontext

from .checks import ALL_CHECKS, Check
from .decision import CheckResult, Decision
from .limits import Limits
from .orders import Proposal
from .risk import RiskSnapshot

# Amounts carry up to 38 digits and products of two up to 76: Decimal's default 28-digit
# context would round a notional one step over a cap down onto it. This one is exact.
EXACT = Context(prec=120, traps=[InvalidOperation])


def evaluate(
    proposal: Proposal,
    limits: Limits,
    snapshot: RiskSnapshot,
    checks: tuple[Check, ...] = ALL_CHECKS,
) -> Decision:
    with localcontext(EXACT):
        return Decision(tuple(_run(check, proposal, limits, snapshot) for check in checks))


def _run(check: Check, p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    try:
        return check(p, limits, snap)
    except (ArithmeticError, ValueError) as exc:
        # Fail closed: a check that cannot decide refuses.
        name = check.__name__.removeprefix("check_")
        return CheckResult(name, False, None, None, f"could not be evaluated ({exc}); refused")
