from __future__ import annotations

from ..limits import Limits
from ._bind import Step, bound
from ._result import ok, refuse

NAME = "symbol_allowlist"


def _bind(limits: Limits, symbol: str) -> Step:
    # Exact match only: "btc/usdt" or "BTC-USDT" is refused, never normalised or guessed.
    # The finding depends on the symbol alone.
    if symbol in limits.symbols:
        return ok(NAME, symbol, "allowlisted", "symbol is allowlisted")
    return refuse(NAME, symbol, "allowlisted", f"{symbol!r} is not on the allowlist; allowed: "
                  f"{', '.join(sorted(limits.symbols))}")


check_symbol_allowlist = bound("symbol_allowlist")(_bind)
