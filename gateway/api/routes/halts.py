"""Halt, resume and flatten: the risk officer's controls (see docs/HALT.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.adapters.store.uow import HaltState
from gateway.domain.halts import Halt, HaltScope
from gateway.services import flatten, halt
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import body_schema, gateway_of, parse_body, require
from ..errors import ApiError
from ..halt_schemas import FlattenIn, FlattenLegOut, FlattenOut, HaltIn, LeftoverOut
from ..schemas import HaltOut
from ..views import order_out

router = APIRouter(prefix="/v1", tags=["control"])


def halt_out(h: Halt | None, sends_in_flight: int | None = None) -> HaltOut:
    if h is None:
        return HaltOut(halted=False, reason=None, actor=None, since=None)
    return HaltOut(halted=True, reason=h.reason, actor=h.actor, since=h.since,
                   scope=h.scope.value, target=h.target or None, rule=h.rule,
                   sends_in_flight=sends_in_flight)


def global_out(state: HaltState) -> HaltOut:
    return halt_out(state.as_halt())


def _scope(body: HaltIn) -> tuple[HaltScope, str]:
    if body.symbol is not None and body.producer is not None:
        raise ApiError(422, "validation_error", "producer: name a symbol or a producer, not "
                       "both (halt each separately)", "producer")
    if body.symbol is not None:
        return HaltScope.SYMBOL, body.symbol
    if body.producer is not None:
        return HaltScope.PRODUCER, body.producer
    return HaltScope.GLOBAL, ""


@router.post("/halt", response_model=HaltOut, openapi_extra=body_schema(HaltIn))
async def set_halt(request: Request) -> HaltOut:
    """Answers once the halt has committed: from then on no claim sends an order in its
    scope. Every process's executor then cancels and withdraws (woken by the commit)."""
    # Any human may stop trading; only risk and admin may start it again.
    who = await require(request, *HUMAN_ROLES)
    body = await parse_body(request, HaltIn)
    scope, target = _scope(body)
    gw = gateway_of(request)
    result = await gw.writer.run(
        lambda uow: halt.halt(uow, scope, target, who.actor, body.reason), urgent=True)
    return halt_out(result.halt, sends_in_flight=result.sends_in_flight)


@router.post("/resume", response_model=HaltOut, openapi_extra=body_schema(HaltIn))
async def resume(request: Request) -> HaltOut:
    who = await require(request, Role.RISK, Role.ADMIN)
    body = await parse_body(request, HaltIn)
    scope, target = _scope(body)
    gw = gateway_of(request)
    lifted, withdrawn = await gw.writer.run(
        lambda uow: halt.resume(uow, scope, target, who.actor, body.reason))
    gw.executor.wake()
    return HaltOut(halted=False, reason=None, actor=None, since=None,
                   scope=lifted.scope.value, target=lifted.target or None,
                   withdrawn=len(withdrawn))


@router.post("/flatten", response_model=FlattenOut, openapi_extra=body_schema(FlattenIn))
async def flatten_positions(request: Request) -> FlattenOut:
    """Close positions with reduce-only orders under a halt (risk or admin; the CLI asks for
    a second confirmation first). `dry_run` shows the plan without creating anything."""
    who = await require(request, Role.RISK, Role.ADMIN)
    body = await parse_body(request, FlattenIn)
    gw = gateway_of(request)
    if not body.dry_run:
        # Cancel what the halt stops first, so the plan sizes against what is really open.
        await gw.executor.halts.react()
        await gw.executor.halts.withdrawn()
    result = await gw.writer.run(lambda uow: flatten.flatten(
        uow, who.name, body.reason, body.symbol, body.dry_run))
    if result.orders:
        gw.executor.wake()
    return FlattenOut(
        dry_run=result.dry_run,
        planned=[FlattenLegOut(symbol=x.symbol, side=x.side.value, quantity=x.quantity,
                               limit_price=x.limit_price) for x in result.planned],
        orders=[order_out(o) for o in result.orders],
        left=[LeftoverOut(symbol=x.symbol, quantity=x.quantity, why=x.why)
              for x in result.left])
