"""The venue as the gateway reconciles it: accepting its holdings as a new baseline."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.services import holdings_check
from gateway.services.principals import Role

from ..deps import body_schema, gateway_of, parse_body, require
from ..schemas import ReasonIn, RebaselineOut

router = APIRouter(prefix="/v1/venue", tags=["venue"])


@router.post("/rebaseline", response_model=RebaselineOut, openapi_extra=body_schema(ReasonIn))
async def rebaseline(request: Request) -> RebaselineOut:
    """Accept what the venue holds now (after a deposit, a withdrawal or a trade outside the
    gateway): the baseline is dropped, audited, and recorded afresh at the next quiet
    reconciliation, which this asks for at once."""
    who = await require(request, Role.RISK, Role.ADMIN)
    body = await parse_body(request, ReasonIn)
    gw = gateway_of(request)
    venue = gw.exchange.name
    old = await gw.writer.run(
        lambda uow: holdings_check.reset_baseline(uow, venue, who.actor, body.reason))
    gw.executor.reconcile_soon()
    return RebaselineOut(venue=venue, previous=None if old is None else dict(old.amounts))
