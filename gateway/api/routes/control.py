"""Status, positions, prices: the risk officer's and the trader's overview."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from fastapi import APIRouter, Request

from gateway.services import queries
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import caller, gateway_of, require
from ..schemas import (
    MismatchOut,
    OpenAtVenueOut,
    PositionOut,
    PositionsOut,
    PriceOut,
    PricesOut,
    StatusOut,
)
from .halts import global_out, halt_out

router = APIRouter(prefix="/v1", tags=["control"])


@router.get("/status", response_model=StatusOut)
def status(request: Request) -> StatusOut:
    who = caller(request)
    gw = gateway_of(request)
    _, version = gw.limits.current()
    # A producer sees the counts of its own orders only, not other bots' activity.
    mine = who.name if who.role is Role.PRODUCER else None
    mismatches = [] if mine is not None else [
        MismatchOut(kind=m.kind, detail=m.detail, client_order_id=m.client_order_id,
                    currency=m.currency, expected=m.expected, held=m.held)
        for m in gw.executor.mismatches]
    state, scoped = queries.halts(gw.engine)
    at_venue = queries.open_at_venue(gw.engine, mine)
    return StatusOut(halt=global_out(state), halts=[halt_out(h) for h in scoped],
                     orders_by_state=queries.counts_by_state(gw.engine, mine),
                     limits_version=version,
                     venue=gw.exchange.name, server_time=gw.clock.now(),
                     stopped_symbols=queries.stopped_symbols(gw.engine),
                     venue_mismatches=mismatches,
                     open_at_venue=[OpenAtVenueOut(
                         symbol=symbol, sending=n.get("sending", 0),
                         submitted=n.get("submitted", 0),
                         partially_filled=n.get("partially_filled", 0))
                         for symbol, n in sorted(at_venue.items())],
                     cancels_pending=gw.executor.health.cancel_pending)


@router.get("/positions", response_model=PositionsOut)
async def positions(request: Request) -> PositionsOut:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    held = await asyncio.to_thread(queries.positions, gw.engine)
    marks = gw.prices.prices()
    out = [PositionOut(symbol=s, quantity=p.quantity, average_price=p.average_price,
                       realized_pnl=p.realized_pnl, mark_price=marks.get(s),
                       unrealized_pnl=p.unrealized(marks.get(s)))
           for s, p in sorted(held.items())]
    return PositionsOut(positions=out, realized_pnl=sum((p.realized_pnl for p in held.values()),
                                                        start=Decimal(0)),
                        unrealized_pnl=queries.unrealized(held, marks))


@router.get("/prices", response_model=PricesOut)
def prices(request: Request) -> PricesOut:
    """The reference prices limit checks use, with when each was observed at the venue."""
    caller(request)
    gw = gateway_of(request)
    limits, _ = gw.limits.current()
    out = []
    for symbol in sorted(limits.symbols):
        t = gw.prices.ticker(symbol)
        if t is not None:
            out.append(PriceOut(symbol=symbol, bid=t.bid, ask=t.ask, mid=(t.bid + t.ask) / 2,
                                observed_at=t.timestamp))
    return PricesOut(prices=out)
