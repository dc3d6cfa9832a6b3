"""Halt, resume, status, positions: the risk officer's and the trader's overview."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from fastapi import APIRouter, Request

from gateway.adapters.store.uow import HaltState
from gateway.services import halt, queries
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import body_schema, caller, gateway_of, parse_body, require
from ..schemas import (
    HaltOut,
    MismatchOut,
    PositionOut,
    PositionsOut,
    PriceOut,
    PricesOut,
    ReasonIn,
    StatusOut,
)

router = APIRouter(prefix="/v1", tags=["control"])
_background: set[asyncio.Task[int]] = set()


def halt_out(state: HaltState) -> HaltOut:
    return HaltOut(halted=state.halted, reason=state.reason, actor=state.actor, since=state.since)


@router.post("/halt", response_model=HaltOut, openapi_extra=body_schema(ReasonIn))
async def set_halt(request: Request) -> HaltOut:
    # Any human may stop trading; only risk and admin may start it again.
    who = await require(request, *HUMAN_ROLES)
    body = await parse_body(request, ReasonIn)
    gw = gateway_of(request)
    state = await gw.writer.run(lambda uow: halt.set_halt(uow, who.actor, body.reason))
    # Nothing more is sent from here on (every claim reads the halt under the lock); the
    # open orders are cancelled in the background so the risk officer hears back at once.
    task = asyncio.create_task(gw.executor.cancel_all_open())
    _background.add(task)
    task.add_done_callback(_background.discard)
    return halt_out(state)


@router.post("/resume", response_model=HaltOut, openapi_extra=body_schema(ReasonIn))
async def resume(request: Request) -> HaltOut:
    who = await require(request, Role.RISK, Role.ADMIN)
    body = await parse_body(request, ReasonIn)
    gw = gateway_of(request)
    state = await gw.writer.run(lambda uow: halt.clear_halt(uow, who.actor, body.reason))
    gw.executor.wake()
    return halt_out(state)


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
    return StatusOut(halt=halt_out(queries.halt_state(gw.engine)),
                     orders_by_state=queries.counts_by_state(gw.engine, mine),
                     limits_version=version, venue=gw.exchange.name,
                     server_time=gw.clock.now(),
                     stopped_symbols=queries.stopped_symbols(gw.engine),
                     venue_mismatches=mismatches)


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
