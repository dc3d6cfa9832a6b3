"""The session's PnL watch: rolls the daily session, tracks the equity peak, and halts
trading automatically when the daily loss limit or the drawdown limit is reached."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from sqlalchemy import update

from gateway.adapters.store.tables import gateway_state
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer
from gateway.domain.session import SessionBase, session_figures, session_start, totals

from . import halt

log = logging.getLogger(__name__)


def _save(uow: UnitOfWork, base: SessionBase) -> None:
    uow.conn.execute(update(gateway_state).where(gateway_state.c.id == 1).values(
        session_start=base.start, session_realized_base=base.realized,
        session_unrealized_base=base.unrealized, session_equity_peak=base.equity_peak))
    uow.state = replace(uow.state, session=base)


def tick(uow: UnitOfWork) -> dict[str, Any] | None:
    """One look at the session. None when a held symbol has no price (nothing can be said)."""
    limits, _ = uow.limits()
    positions = uow.positions()
    realized, unrealized = totals(positions, uow.prices)
    if unrealized is None:
        return None
    start = session_start(uow.now, limits.session_start_utc)
    base = uow.state.session
    if base is None or base.start != start:
        base = SessionBase(start, realized, unrealized, equity_peak=realized * 0)
        _save(uow, base)
        uow.audit.append(uow.now, "session.started", "system:risk",
                         payload={"start": start, "realized": realized,
                                  "unrealized": unrealized})
    pnl, drawdown = session_figures(positions, uow.prices, base)
    assert pnl is not None and drawdown is not None
    if pnl > base.equity_peak:
        _save(uow, replace(base, equity_peak=pnl))
    figures = {"session_pnl": pnl, "drawdown": drawdown, "session_start": start}
    if not uow.halt.halted:
        if limits.daily_loss_limit is not None and -pnl >= limits.daily_loss_limit:
            facts = {**figures, "limit": limits.daily_loss_limit}
            halt.set_halt(uow, "system:daily_loss_limit",
                          f"daily loss {-pnl:f} reached the limit daily_loss_limit "
                          f"{limits.daily_loss_limit:f} {limits.quote_currency}",
                          rule="daily_loss_limit", figures=facts)
            uow.audit.append(uow.now, "risk.breach", "system:daily_loss_limit",
                             payload={"rule": "daily_loss_limit", **facts})
        elif limits.max_drawdown is not None and drawdown >= limits.max_drawdown:
            facts = {**figures, "limit": limits.max_drawdown}
            halt.set_halt(uow, "system:max_drawdown",
                          f"drawdown {drawdown:f} from the session peak reached the limit "
                          f"max_drawdown {limits.max_drawdown:f} {limits.quote_currency}",
                          rule="max_drawdown", figures=facts)
            uow.audit.append(uow.now, "risk.breach", "system:max_drawdown",
                             payload={"rule": "max_drawdown", **facts})
    return figures


async def run(writer: Writer, interval_s: float = 1.0) -> None:
    while True:
        try:
            await writer.run(tick)
        except Exception:
            log.exception("risk monitor tick failed")
        await asyncio.sleep(interval_s)
