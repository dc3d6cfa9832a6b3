"""The stop watch: when a position reaches its stop level, the gateway acts without waiting
for any bot. It switches the symbol to reduce-only (persisted and audited, until an operator
clears it) and raises a protective exit: reduce-only, sized to the position, priced inside
the collar, marked as raised by the system and put at the top of the desk's queue, or sent
at once when `stop_loss.send_without_approval` is on. Every step is audited with the figures
that triggered it. The exit goes through intake like any order, so every hard limit applies
to it (split into several orders when the per-order caps require it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from gateway.adapters.store import guards_repo, orders_repo
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer
from gateway.domain.limits import Limits
from gateway.domain.orders import (
    RESERVING_STATES,
    SYSTEM_ORIGIN,
    Order,
    OrderState,
    OrderType,
    Proposal,
)
from gateway.domain.stop_loss import StopBreach, breach, exit_chunks, exit_price, exit_side

from . import intake
from .errors import NotFound
from .transitions import transition

ACTOR = "system:stop_loss"
PRODUCER = "system:stop_loss"  # the identity protective exits are proposed under
log = logging.getLogger(__name__)


def _any_level(limits: Limits) -> bool:
    return limits.stop_loss.share is not None or limits.stop_loss.distance is not None or any(
        s.stop_loss_share is not None or s.stop_loss_distance is not None
        for s in limits.symbols.values())


def tick(uow: UnitOfWork) -> list[str]:
    """One look at every position; returns the ids of protective exits raised."""
    limits, version = uow.limits()
    if not _any_level(limits):
        return []
    guards = guards_repo.load(uow.conn)
    raised: list[str] = []
    for symbol, pos in sorted(uow.positions().items()):
        level = limits.stop_level(symbol)
        if pos.quantity == 0 or not level.is_set:
            continue
        try:
            found = breach(symbol, pos.quantity, pos.average_price, uow.prices.get(symbol), level)
        except ValueError:
            continue  # no price: nothing to decide; new orders fail closed in the checks
        if found is None:
            continue
        if symbol not in guards:
            figures = found.figures()
            guards_repo.add(uow.conn, symbol, uow.now, ACTOR, f"stop level reached ({found.level})",
                            figures)
            uow.audit.append(uow.now, "stop_loss.triggered", ACTOR,
                             reason=f"{symbol} reached its stop level: reduce-only until an "
                                    "operator clears it", payload=figures)
            uow.invalidate()
        elif _recent(guards[symbol].last_exit_at, uow, limits):
            continue
        raised += _raise_exit(uow, found, limits, version)
    return raised


def _recent(last: Any, uow: UnitOfWork, limits: Limits) -> bool:
    return last is not None and uow.now - last < timedelta(seconds=limits.stop_loss.retry_seconds)


def _open_exits(uow: UnitOfWork, symbol: str) -> list[Order]:
    return [o for o in orders_repo.orders_in_states(uow.conn, RESERVING_STATES)
            if o.symbol == symbol and o.origin == SYSTEM_ORIGIN]


def _raise_exit(uow: UnitOfWork, found: StopBreach, limits: Limits, version: str) -> list[str]:
    symbol = found.symbol
    if uow.halt.halted or _open_exits(uow, symbol):
        return []
    market = uow.market.markets.get(symbol)
    if market is None:
        return []  # without the venue's tick and lot no valid exit can be priced
    side = exit_side(found.quantity)
    snap = uow.snapshot()
    # Orders already on the exit side (a bot's sells of a long) count toward the exit.
    same_side = (snap.reserved_sell if found.quantity > 0 else snap.reserved_buy).get(
        symbol, Decimal(0))
    size = abs(found.quantity) - same_side
    price = exit_price(side, found.reference_price, limits.stop_loss.exit_offset_bps,
                       limits.price_collar_bps, market.price_tick)
    chunks = [q for q in exit_chunks(size, price, market.amount_step, _order_cap(limits, symbol,
                                                                                  snap.equity),
                                     _max_quantity(limits, symbol))
              if q >= market.min_amount and q * price >= market.min_notional]
    guards_repo.exit_raised(uow.conn, symbol, uow.now)
    ids, refused = [], []
    stamp = uow.now.strftime("%Y%m%dT%H%M%S")
    for i, quantity in enumerate(chunks):
        p = Proposal(PRODUCER, symbol, side, OrderType.LIMIT, quantity, price,
                     idempotency_key=f"stop-{symbol}-{stamp}-{i}",
                     rationale=f"protective exit: {symbol} position {found.quantity:f} reached "
                               f"its stop level ({found.level}) at {found.reference_price:f}")
        result = intake.propose(uow, p, limits, version, origin=SYSTEM_ORIGIN)
        order = result.order
        if order is None or order.state is not OrderState.PENDING_APPROVAL:
            refused.append(order.reason if order is not None else "halted")
            continue
        if limits.stop_loss.send_without_approval:
            orders_repo.flush_inserts(uow.conn, uow)  # the row must exist to move it on
            order = transition(uow, order, OrderState.APPROVED, ACTOR, approved_by=ACTOR,
                               decided_at=uow.now, limits_version=version,
                               payload={"without_approval": True, **found.figures()})
        ids.append(order.id)
    uow.audit.append(uow.now, "stop_loss.exit_raised", ACTOR,
                     reason=None if ids else "no protective exit could be queued",
                     payload={**found.figures(), "orders": ids, "refused": refused,
                              "size": size, "limit_price": price,
                              "without_approval": limits.stop_loss.send_without_approval})
    return ids


def _order_cap(limits: Limits, symbol: str, equity: Decimal | None) -> Decimal:
    s = limits.symbols.get(symbol)
    caps = [limits.max_order_notional]
    if s is not None and s.max_order_notional is not None:
        caps.append(s.max_order_notional)
    for share in (limits.max_order_equity_share, s.max_order_equity_share if s else None):
        if share is not None and equity is not None:
            caps.append(max(equity, Decimal(0)) * share)
    return min(caps)


def _max_quantity(limits: Limits, symbol: str) -> Decimal | None:
    s = limits.symbols.get(symbol)
    return None if s is None else s.max_quantity


def clear(uow: UnitOfWork, symbol: str, actor: str, reason: str) -> dict[str, Any]:
    """An operator lifts the symbol's reduce-only switch (audited with what triggered it).
    If the position is still past its level, the watch switches it back at its next look."""
    guard = guards_repo.load(uow.conn).get(symbol)
    if guard is None:
        raise NotFound(f"{symbol} is not stopped; `gateway stops` lists the stopped symbols")
    guards_repo.remove(uow.conn, symbol)
    uow.invalidate()
    uow.audit.append(uow.now, "stop_loss.cleared", actor, reason=reason,
                     payload={"symbol": symbol, "since": guard.since, "figures": guard.figures})
    return {"symbol": symbol, "cleared": True}


async def run(writer: Writer, wake: Callable[[], None], interval_s: float = 1.0) -> None:
    while True:
        try:
            if await writer.run(tick):
                wake()  # an exit may be approved already: let the executor claim it now
        except Exception:
            log.exception("stop watch tick failed")
        await asyncio.sleep(interval_s)
