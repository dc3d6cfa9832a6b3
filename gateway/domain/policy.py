"""Run every check; collect every finding (never stop at the first)."""

from __future__ import annotations

from .checks import ALL_CHECKS, Check
from .decision import Decision
from .limits import Limits
from .orders import Proposal
from .risk import RiskSnapshot


def evaluate(
    proposal: Proposal,
    limits: Limits,
    snapshot: RiskSnapshot,
    checks: tuple[Check, ...] = ALL_CHECKS,
) -> Decision:
    return Decision(tuple(check(proposal, limits, snapshot) for check in checks))
