"""One module per check. Each takes (proposal, limits, snapshot) and returns its finding."""

from __future__ import annotations

from collections.abc import Callable

from ..decision import CheckResult
from ..limits import Limits
from ..orders import Proposal
from ..risk import RiskSnapshot
from .max_order_notional import check_max_order_notional
from .max_position import check_max_position
from .order_shape import check_order_shape
from .symbol_allowlist import check_symbol_allowlist

Check = Callable[[Proposal, Limits, RiskSnapshot], CheckResult]

ALL_CHECKS: tuple[Check, ...] = (
    check_symbol_allowlist,
    check_order_shape,
    check_max_order_notional,
    check_max_position,
)

__all__ = ["ALL_CHECKS", "Check"]
