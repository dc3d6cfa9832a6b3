"""The daily-loss session: when it starts, and PnL and drawdown measured from its start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .money import exact
from .positions import Position

ZERO = Decimal(0)


def session_start(now: datetime, start_utc: str) -> datetime:
    """The most recent session start (HH:MM UTC) at or before `now`."""
    hour, minute = (int(x) for x in start_utc.split(":"))
    start = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return start if start <= now else start - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SessionBase:
    start: datetime
    realized: Decimal
    unrealized: Decimal
    equity_peak: Decimal  # highest session PnL seen so far


@exact
def totals(positions: Mapping[str, Position],
           marks: Mapping[str, Decimal]) -> tuple[Decimal, Decimal | None]:
    """(realized, unrealized) over every position; unrealized None if a mark is missing."""
    realized = sum((p.realized_pnl for p in positions.values()), ZERO)
    unrealized = ZERO
    for symbol, p in positions.items():
        value = p.unrealized(marks.get(symbol))
        if value is None:
            return realized, None
        unrealized += value
    return realized, unrealized


@exact
def session_figures(
    positions: Mapping[str, Position], marks: Mapping[str, Decimal], base: SessionBase | None
) -> tuple[Decimal | None, Decimal | None]:
    """(session PnL, drawdown from the session's peak); None where a price is missing.

    Without a base for the current session (it has just begun) the PnL is zero."""
    realized, unrealized = totals(positions, marks)
    if unrealized is None:
        return None, None
    if base is None:
        return ZERO, ZERO
    pnl = (realized - base.realized) + (unrealized - base.unrealized)
    peak = max(base.equity_peak, pnl)
    return pnl, peak - pnl
