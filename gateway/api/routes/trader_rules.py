"""A producer's signed scope document and the gateway's public key; the stop guards."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine

from gateway.adapters.store import guards_repo
from gateway.services import scope_docs, stop_watch
from gateway.services.principals import HUMAN_ROLES, Role

from ..deps import body_schema, caller, gateway_of, parse_body, require
from ..schemas import ScopeKeyOut, SignedScopeOut, StopClearIn, StopOut, StopsOut

router = APIRouter(prefix="/v1", tags=["scope and stops"])


@router.get("/scope", response_model=SignedScopeOut)
async def scope(request: Request) -> dict[str, Any]:
    """The calling producer's own scope document, signed by the gateway (Ed25519)."""
    who = await require(request, Role.PRODUCER)
    gw = gateway_of(request)
    limits, version = gw.limits.current()

    def build() -> dict[str, Any]:
        with gw.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            document = scope_docs.build(conn, who.name, limits, version, gw.clock.now())
        return scope_docs.sign(document, gw.signing_key)

    return await asyncio.to_thread(build)


@router.get("/scope/key", response_model=ScopeKeyOut)
async def scope_key(request: Request) -> ScopeKeyOut:
    """The public key scope documents verify against (base64 of its 32 raw bytes)."""
    caller(request)
    key = gateway_of(request).signing_key
    public = await asyncio.to_thread(key.public_b64)
    return ScopeKeyOut(algorithm="Ed25519", key_id=key.key_id(), public_key=public)


def stops_out(engine: Engine) -> list[StopOut]:
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        guards = guards_repo.load(conn)
    return [StopOut(symbol=g.symbol, since=g.since, actor=g.actor, reason=g.reason,
                    figures=g.figures, last_exit_at=g.last_exit_at)
            for g in sorted(guards.values(), key=lambda g: g.symbol)]


@router.get("/stops", response_model=StopsOut)
async def stops(request: Request) -> StopsOut:
    """Symbols switched to reduce-only because a position reached its stop level."""
    await require(request, *HUMAN_ROLES)
    return StopsOut(stops=await asyncio.to_thread(stops_out, gateway_of(request).engine))


@router.post("/stops/clear", response_model=StopsOut, openapi_extra=body_schema(StopClearIn))
async def clear(request: Request) -> StopsOut:
    """Lift a symbol's reduce-only switch (risk or admin; audited)."""
    who = await require(request, Role.RISK, Role.ADMIN)
    body = await parse_body(request, StopClearIn)
    gw = gateway_of(request)
    await gw.writer.run(lambda uow: stop_watch.clear(uow, body.symbol, who.actor, body.reason))
    return StopsOut(stops=await asyncio.to_thread(stops_out, gw.engine))
