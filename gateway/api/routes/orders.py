"""Orders: producers propose, cancel and read their own; traders approve and deny."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from gateway.domain.orders import OrderState, OrderType, Proposal, Side
from gateway.services import approvals, intake, queries
from gateway.services.errors import NotFound
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import body_schema, caller, gateway_of, parse_body, require, shutting_down
from ..schemas import ApproveIn, DenyIn, OrderList, OrderOut, ProposalIn, ReasonIn
from ..views import order_json, order_out

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.post("", status_code=201, response_model=OrderOut, openapi_extra=body_schema(ProposalIn),
             responses={200: {"description": "Replay of an idempotency key: the original"},
                        429: {"description": "Refused only by the throttle or the producer's "
                                             "rate; Retry-After gives the seconds to wait"}})
async def propose(request: Request) -> Response:
    who = await require(request, Role.PRODUCER)
    body = await parse_body(request, ProposalIn)
    gw = gateway_of(request)
    if gw.draining:
        raise shutting_down()
    proposal = Proposal(
        producer=who.name, symbol=body.symbol, side=Side(body.side), type=OrderType(body.type),
        quantity=body.quantity, limit_price=body.limit_price,
        idempotency_key=body.idempotency_key, rationale=body.rationale,
        confidence=body.confidence, venue=body.venue,
    )
    result = await gw.writer.run(intake.proposal_job(
        proposal, who.scope, getattr(request.state, "nonce", None), who.scope_version))
    order = result.accepted()
    return Response(order_json(order, result.checks_json), media_type="application/json",
                    status_code=200 if result.replayed else 201)


@router.get("", response_model=OrderList)
def list_orders(
    request: Request,
    state: list[OrderState] | None = Query(default=None),
    limit: int = Query(default=200, ge=1, le=1000),
) -> OrderList:
    who = caller(request)
    producer = who.name if who.role is Role.PRODUCER else None
    views = queries.list_orders(gateway_of(request).engine, state, producer, limit)
    return OrderList(orders=[order_out(v.order, v.checks) for v in views])


@router.get("/{order_id}", response_model=OrderOut)
def get_order(request: Request, order_id: str) -> OrderOut:
    who = caller(request)
    view = queries.get_order(gateway_of(request).engine, order_id)
    # Another producer's order is reported as absent: its existence is not theirs to learn.
    if view is None or (who.role is Role.PRODUCER and view.order.producer != who.name):
        raise NotFound(f"no order {order_id}")
    return order_out(view.order, view.checks)


@router.post("/{order_id}/approve", response_model=OrderOut,
             openapi_extra=body_schema(ApproveIn))
async def approve(request: Request, order_id: str) -> OrderOut:
    who = await require(request, Role.TRADER)
    body = await parse_body(request, ApproveIn)
    gw = gateway_of(request)
    # Claimed for this process's executor in the approving transaction when it can send,
    # and sent as soon as that commits (see Executor.decide_and_send).
    order = await gw.executor.decide_and_send(order_id, lambda uow, send_by: approvals.approve(
        uow, order_id, who.name, body.version, *uow.limits(), send_by=send_by))
    return order_out(order)


@router.post("/{order_id}/deny", response_model=OrderOut, openapi_extra=body_schema(DenyIn))
async def deny(request: Request, order_id: str) -> OrderOut:
    who = await require(request, Role.TRADER)
    body = await parse_body(request, DenyIn)
    gw = gateway_of(request)
    order = await gw.writer.run(
        lambda uow: approvals.deny(uow, order_id, who.name, body.reason, body.version))
    return order_out(order)


@router.post("/{order_id}/cancel", response_model=OrderOut, openapi_extra=body_schema(ReasonIn))
async def cancel(request: Request, order_id: str) -> OrderOut:
    who = await require(request, Role.PRODUCER, *HUMAN_ROLES)
    body = await parse_body(request, ReasonIn)
    gw = gateway_of(request)
    producer = who.name if who.role is Role.PRODUCER else None
    order = await gw.writer.run(
        lambda uow: approvals.cancel(uow, order_id, who.actor, producer, body.reason))
    return order_out(order)


