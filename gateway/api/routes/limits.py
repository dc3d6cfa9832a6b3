"""Limits: reload the file into force (risk, admin) and explain a would-be order."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.adapters.store.uow import UnitOfWork
from gateway.domain.decision import Decision
from gateway.domain.limits import LimitsError
from gateway.domain.orders import OrderType, Proposal, Side
from gateway.domain.policy import evaluate
from gateway.services import limits_admin
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import body_schema, gateway_of, parse_body, require
from ..errors import ApiError
from ..schemas import CheckOut, ExplainIn, ExplainOut, LimitsReloadOut

router = APIRouter(prefix="/v1/limits", tags=["limits"])


@router.post("/reload", response_model=LimitsReloadOut)
async def reload(request: Request) -> LimitsReloadOut:
    who = await require(request, Role.RISK, Role.ADMIN)
    gw = gateway_of(request)
    try:
        result = await limits_admin.reload_from_file(gw.writer, gw.limits, who.actor)
    except LimitsError as exc:
        raise ApiError(422, "invalid_limits", f"{exc.source} is invalid; the limits in force "
                       "are unchanged. Fix every problem listed and reload again.",
                       details=[{"key": k, "value": repr(v), "rule": r}
                                for k, v, r in exc.problems]) from exc
    return LimitsReloadOut(version=result["version"], changed=result["changed"],
                           diff=result["diff"], reevaluated=result.get("reevaluated", []))


@router.post("/explain", response_model=ExplainOut, openapi_extra=body_schema(ExplainIn))
async def explain(request: Request) -> ExplainOut:
    """What a proposal would get now, and which rules decide, without queuing anything.

    Operators only: a bot could otherwise map the limits' edges without a single refusal
    counting toward its quarantine."""
    await require(request, *HUMAN_ROLES)
    body = await parse_body(request, ExplainIn)
    producer = body.producer or "explain"
    p = Proposal(producer=producer, symbol=body.symbol, side=Side(body.side),
                 type=OrderType(body.type), quantity=body.quantity, limit_price=body.limit_price,
                 idempotency_key=body.idempotency_key, venue=body.venue)

    def job(uow: UnitOfWork) -> tuple[Decision, str]:
        limits, version = uow.limits()
        return evaluate(p, limits, uow.snapshot_for(p, limits)), version

    decision, version = await gateway_of(request).writer.run(job)
    return ExplainOut(passed=decision.passed, limits_version=version,
                      deciding=[c.name for c in decision.failures],
                      checks=[CheckOut.model_validate(c.as_dict()) for c in decision.checks])
