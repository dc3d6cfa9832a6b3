"""Request plumbing: who is calling, what they may do, and strict body parsing."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel

from gateway.bootstrap import Gateway
from gateway.services.errors import Forbidden, Unauthorized
from gateway.services.principals import Principal, Role

from .errors import ApiError

M = TypeVar("M", bound=BaseModel)
MAX_BODY = 16 * 1024


def gateway_of(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gateway
    return gw


def caller(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send `Authorization: Bearer <token>`; `gateway producers add` or "
                           "`gateway operators add` issue tokens")
    return gateway_of(request).auth.authenticate(token.strip())


async def require(request: Request, *roles: Role) -> Principal:
    """The caller, if their role is one of `roles`; otherwise 403 and an audit record."""
    who = caller(request)
    if who.role not in roles:
        gw = gateway_of(request)
        path = request.url.path
        await gw.writer.run(lambda uow: uow.audit.append(
            uow.now, "access.denied", who.actor, reason=f"{request.method} {path}",
            payload={"role": who.role.value, "needs": sorted(r.value for r in roles)}))
        raise Forbidden(f"{who.role.value} credentials cannot {request.method} {path}; this "
                        f"needs one of: {', '.join(sorted(r.value for r in roles))}")
    return who


async def parse_body(request: Request, model: type[M]) -> M:
    """Parse with pydantic straight from bytes, so amounts arrive exact and unknown keys fail."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise ApiError(413, "too_large", f"body over {MAX_BODY} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", f"body over {MAX_BODY} bytes")
    return model.model_validate_json(raw or b"{}")


def body_schema(model: type[BaseModel]) -> dict[str, object]:
    """OpenAPI description of a body that is parsed by hand (see parse_body)."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": model.model_json_schema()}}}}
