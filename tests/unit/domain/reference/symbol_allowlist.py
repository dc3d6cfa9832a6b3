from __future__ import annotations

from gateway.domain.decision import CheckResult
from gateway.domain.limits import Limits
from gateway.domain.orders import Proposal
from gateway.domain.risk import RiskSnapshot

NAME = "symbol_allowlist"


def check_symbol_allowlist(p: Proposal, limits: Limits, snap: RiskSnapshot) -> CheckResult:
    # Exact match only: "btc/usdt" or "BTC-USDT" is refused, never normalised or guessed.
    if p.symbol in limits.symbols:
        return CheckResult(NAME, True, p.symbol, "allowlisted", "symbol is allowlisted")
    return CheckResult(
        NAME,
        False,
        p.symbol,
        "allowlisted",
        f"{p.symbol!r} is not on the allowlist; allowed: {', '.join(sorted(limits.symbols))}",
    )
