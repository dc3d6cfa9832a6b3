"""Run every check; collect every finding (never stop at the first)."""

from __future__ import annotations

from decimal import getcontext, setcontext

from .checks import ALL_CHECKS, Check
from .checks._bind import BINDER, Binder, Step
from .decision import CheckResult, Decision
from .limits import Limits
from .money import EXACT_BODY, exact_context
from .orders import Proposal
from .risk import RiskSnapshot

_ALL = len(ALL_CHECKS)


def evaluate(
    proposal: Proposal,
    limits: Limits,
    snapshot: RiskSnapshot,
    checks: tuple[Check, ...] = ALL_CHECKS,
) -> Decision:
    # Amounts carry up to 38 digits and products of two up to 76: Decimal's default 28-digit
    # context would round a notional one step over a cap down onto it. EXACT is exact, and
    # every check runs inside this thread's one copy of it (an @exact check's own wrapper
    # would only enter it again: its body is called directly).
    saved = getcontext()
    setcontext(exact_context())
    try:
        if checks is ALL_CHECKS:
            steps = _plan(limits, proposal.symbol)
        elif checks[:_ALL] == ALL_CHECKS:
            # Intake adds the producer's scope checks after these.
            steps = _plan(limits, proposal.symbol) + tuple(
                _step(c, limits, proposal.symbol) for c in checks[_ALL:])
        else:
            steps = tuple(_step(c, limits, proposal.symbol) for c in checks)
        results = [s if s.__class__ is CheckResult else s(proposal, limits, snapshot)  # type: ignore[operator]
                   for s in steps]
    except (ArithmeticError, ValueError):
        # Rare: run them one by one, so the one that cannot decide refuses and every
        # other still reports (checks are pure: running them again changes nothing).
        results = [_run(c, proposal, limits, snapshot) for c in checks]
    finally:
        setcontext(saved)
    return Decision(tuple(results))


def _plan(limits: Limits, symbol: str) -> tuple[Step, ...]:
    """Every check bound to these limits and this symbol: worked out once per limits
    version and allowlisted symbol."""
    entry = _PLANS.get(id(limits))
    if entry is None or entry[0] is not limits:
        entry = _remember(limits)
    plan = entry[1].get(symbol)
    if plan is None:
        plan = tuple(_step(c, limits, symbol) for c in ALL_CHECKS)
        if symbol in limits.symbols:  # bounded: a symbol off the allowlist is not kept
            entry[1][symbol] = plan
    return plan


# Plans per limits object, keyed by identity and holding it (so the id is not reused while
# kept), for the last few objects. Not on the Limits object itself: `model_copy` (e.g. the
# flatten's reduce-only copy) would hand a copy the original's plans. Replaced, never
# resized in place, so a reader in another thread never sees a dict change under it.
_KEEP = 8
_PLANS: dict[int, tuple[Limits, dict[str, tuple[Step, ...]]]] = {}


def _remember(limits: Limits) -> tuple[Limits, dict[str, tuple[Step, ...]]]:
    global _PLANS
    entry: tuple[Limits, dict[str, tuple[Step, ...]]] = (limits, {})
    kept = list(_PLANS.items())[-(_KEEP - 1):]
    _PLANS = {**dict(kept), id(limits): entry}
    return entry


def _step(check: Check, limits: Limits, symbol: str) -> Step:
    binder: Binder | None = getattr(check, BINDER, None)
    if binder is not None:
        return binder(limits, symbol)
    body: Check = getattr(check, EXACT_BODY, check)
    return body


def _run(check: Check, p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    try:
        return getattr(check, EXACT_BODY, check)(p, limits, snap)
    except (ArithmeticError, ValueError) as exc:
        # Fail closed: a check that cannot decide refuses.
        name = check.__name__.removeprefix("check_")
        return CheckResult(name, False, None, None, f"could not be evaluated ({exc}); refused")
