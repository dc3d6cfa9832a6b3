"""What the approval desk needs beyond the order routes: who is at the desk, edit, limits and
read-only overviews."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from fastapi import APIRouter, Query, Request

from gateway.adapters.store.orders_repo import _utc
from gateway.domain.orders import OrderState
from gateway.domain.session import session_start
from gateway.services import desk_queries, dual, edits, queries
from gateway.services.errors import NotFound
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import body_schema, gateway_of, parse_body, require
from ..desk_schemas import (
    EditIn,
    ImpactOut,
    LimitsOut,
    MeOut,
    PnlOut,
    PnlPoint,
    ProducerOut,
    ProducersOut,
    QueueOrderOut,
    QueueOut,
    UsageOut,
    UtilisationOut,
    ViolationOut,
)
from ..errors import ApiError
from ..schemas import AuditEventOut, AuditPage, OrderOut
from ..views import order_out

router = APIRouter(prefix="/v1", tags=["desk"])


@router.get("/me", response_model=MeOut)
async def me(request: Request) -> MeOut:
    """The calling operator's name and role. Operators only: a producer is refused (403,
    audited) as on every desk route, and learns nothing it does not already have."""
    who = await require(request, *HUMAN_ROLES)
    # Validated, not cast: only the three human roles fit the wire model.
    return MeOut.model_validate({"name": who.name, "role": who.role.value,
                                 "principal": who.principal, "jurisdiction": who.jurisdiction,
                                 "expires_at": who.expires_at})


@router.post("/orders/{order_id}/edit", response_model=OrderOut, openapi_extra=body_schema(EditIn))
async def edit(request: Request, order_id: str) -> OrderOut:
    who = await require(request, Role.TRADER)
    body = await parse_body(request, EditIn)
    gw = gateway_of(request)
    limits, version = gw.limits.current()
    try:
        order = await gw.writer.run(lambda uow: edits.edit(
            uow, order_id, who.name, body.version, body.quantity, body.limit_price, limits,
            version))
    except edits.InvalidEdit as exc:
        raise ApiError(422, exc.code, exc.message, exc.field) from exc
    view = await asyncio.to_thread(queries.get_order, gw.engine, order.id)
    return order_out(order, None if view is None else view.checks)


@router.get("/desk/queue", response_model=QueueOut)
async def queue(
    request: Request, limit: int = Query(default=10_000, ge=1, le=10_000)
) -> QueueOut:
    """Pending orders, soonest expiry first, each with its checks counted rather than listed."""
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    views = await asyncio.to_thread(queries.list_orders, gw.engine,
                                    [OrderState.PENDING_APPROVAL], None, limit)
    out = []
    for v in views:
        base = order_out(v.order).model_dump()
        failed = sum(1 for c in v.checks if not c.get("passed"))
        out.append(QueueOrderOut(**base, checks_failed=failed, checks_total=len(v.checks)))
    return QueueOut(orders=out)


@router.get("/limits", response_model=LimitsOut)
async def limits(request: Request) -> LimitsOut:
    await require(request, *HUMAN_ROLES)
    current, version = gateway_of(request).limits.current()
    return LimitsOut(version=version, limits=current.model_dump(mode="json"))


def _producer_out(r: desk_queries.ProducerRecord) -> ProducerOut:
    return ProducerOut(
        name=r.name, principal=r.principal, status=r.status, proposals=r.proposals,
        approvals=r.approvals, denials=r.denials, rejections=r.rejections, pending=r.pending,
        proposals_last_hour=r.proposals_last_hour, filled_pnl=r.filled_pnl,
        recent_violations=[ViolationOut(order_id=i, at=t, reason=why) for i, t, why in
                           r.violations])


@router.get("/desk/producers", response_model=ProducersOut)
async def producers(request: Request) -> ProducersOut:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    found = await asyncio.to_thread(desk_queries.producers, gw.engine, gw.clock.now(),
                                    gw.prices.prices())
    return ProducersOut(producers=[_producer_out(r) for r in found])


def _usage(rows: list[tuple[str, Decimal, Decimal]]) -> list[UsageOut]:
    return [UsageOut(name=n, used=u, limit=lim, fraction=u / lim) for n, u, lim in rows]


@router.get("/desk/utilisation", response_model=UtilisationOut)
async def utilisation(request: Request) -> UtilisationOut:
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    current, _ = gw.limits.current()
    held = await asyncio.to_thread(desk_queries.all_positions, gw.engine)
    session = await asyncio.to_thread(queries.session_base, gw.engine)
    return UtilisationOut(usage=_usage(desk_queries.usage(current, held, gw.prices.prices(),
                                                          session)))


@router.get("/desk/orders/{order_id}/impact", response_model=ImpactOut)
async def impact(request: Request, order_id: str) -> ImpactOut:
    """Position and exposure now and after this order fills, and its limits' use."""
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    view = await asyncio.to_thread(queries.get_order, gw.engine, order_id)
    if view is None:
        raise NotFound(f"no order {order_id}")
    order, marks = view.order, gw.prices.prices()
    current, _ = gw.limits.current()
    now = await asyncio.to_thread(desk_queries.position, gw.engine, order.symbol)
    after = now + order.remaining * order.side.sign
    others = await asyncio.to_thread(desk_queries.reserved, gw.engine, order.symbol, order.side,
                                     order.id)
    mark = marks.get(order.symbol) or order.limit_price
    records = await asyncio.to_thread(desk_queries.producers, gw.engine, gw.clock.now(), marks,
                                      order.producer)
    notional = dual.order_notional(order, marks)
    rows: list[tuple[str, Decimal, Decimal]] = []
    symbol_limits = current.symbols.get(order.symbol)
    if symbol_limits is not None:
        rows.append((f"{order.symbol} position after", abs(after), symbol_limits.max_position))
        cap = current.max_order_notional
        if symbol_limits.max_order_notional is not None:
            cap = min(cap, symbol_limits.max_order_notional)
        if notional is not None:
            rows.append(("order notional", notional, cap))
    pending = order.state is OrderState.PENDING_APPROVAL
    return ImpactOut(
        order_id=order.id, version=order.version,
        producer=_producer_out(records[0]) if records else None,
        position_now=now, position_after=after, reserved_same_side=others, mark_price=mark,
        exposure_now=None if mark is None else abs(now) * mark,
        exposure_after=None if mark is None else abs(after) * mark, notional=notional,
        needs_dual_approval=dual.needs_two(order, current, marks),
        first_approved_by=order.approved_by if pending else None, usage=_usage(rows))


@router.get("/desk/pnl", response_model=PnlOut)
async def pnl(request: Request) -> PnlOut:
    """Cumulative realized PnL after each fill this session (from `session_start_utc` in
    limits.yaml), then now including unrealized."""
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    clock_now = gw.clock.now()
    current, _ = gw.limits.current()
    since = session_start(clock_now, current.session_start_utc)
    series = await asyncio.to_thread(desk_queries.pnl_series, gw.engine, since)
    held = await asyncio.to_thread(desk_queries.all_positions, gw.engine)
    realized = sum((p.realized_pnl for p in held.values()), start=Decimal(0))
    unrealized = queries.unrealized(held, gw.prices.prices())
    points = [PnlPoint(at=t, realized=r, total=r) for t, r in series]
    points.append(PnlPoint(at=clock_now, realized=realized, total=realized + unrealized))
    return PnlOut(since=since, points=points, realized_pnl=realized, unrealized_pnl=unrealized)


@router.get("/desk/audit-tail", response_model=AuditPage)
async def audit_tail(
    request: Request, limit: int = Query(default=50, ge=1, le=500),
    order_id: str | None = None, producer: str | None = None, operator: str | None = None,
) -> AuditPage:
    """The latest decisions, newest first, filtered by order, producer and operator."""
    await require(request, *HUMAN_ROLES)
    gw = gateway_of(request)
    rows = await asyncio.to_thread(desk_queries.audit_tail, gw.engine, limit, order_id,
                                   producer, operator)
    events = []
    for r in rows:
        body = json.loads(r.body)
        events.append(AuditEventOut(seq=r.seq, ts=_utc(r.ts) or r.ts, kind=r.kind, actor=r.actor,
                                    order_id=r.order_id, reason=body.get("reason"),
                                    payload=body.get("payload", {}), hash=r.hash))
    return AuditPage(events=events, next_after=None)
