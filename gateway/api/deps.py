"""Request plumbing: who is calling, what they may do, and strict body parsing.

`identify` runs before every route (an app-wide dependency): operators send a bearer token,
producers sign each request (gateway/signing.py). A producer's bad signatures, stale
timestamps, replays, refusals by limits and calls outside its role feed the quarantine watch
(`observe_refusal`, called by the error handlers for whatever a request ended with).
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from gateway import signing
from gateway.bootstrap import Gateway
from gateway.services import quarantine
from gateway.services.authn import CredentialExpired, SignatureRefused
from gateway.services.errors import Forbidden, LimitRejected, Unauthorized
from gateway.services.nonces import NonceClaim
from gateway.services.principals import Principal, Role

from . import refusals
from .errors import ApiError

M = TypeVar("M", bound=BaseModel)
MAX_BODY = 16 * 1024


def gateway_of(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gateway
    return gw


def watch_of(request: Request) -> quarantine.Watch:
    state = request.app.state
    if not hasattr(state, "quarantine_watch"):
        state.quarantine_watch = quarantine.Watch()
    watch: quarantine.Watch = state.quarantine_watch
    return watch


PROPOSE_PATH = "/v1/orders"


async def identify(request: Request) -> None:
    """Authenticate whoever sent credentials (`caller` refuses requests that sent none).

    A plain function, not a generator dependency: how a request ends (refusals feed the
    quarantine watch, and every refused call of a known caller is audited) is seen by the
    error handlers, through `on_refusal`, so the hot path pays for no exit stack."""
    request.state.principal = None
    principal: Principal | None = None
    headers = request.headers
    try:
        if signing.KEY_HEADER in headers:
            principal = await _verify_signed(request)
        else:
            scheme, _, token = headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                principal = gateway_of(request).auth.authenticate(token.strip())
    except CredentialExpired as exc:
        expired = exc.principal
        path = f"{request.method} {request.scope['path']}"
        await gateway_of(request).writer.run(lambda uow: uow.audit.append(
            uow.now, "access.refused", expired.actor, reason=f"credential expired: {path}",
            payload={"expires_at": expired.expires_at}))
        exc.audited = True  # access.refused: no call.refused as well
        raise
    request.state.principal = principal


async def on_refusal(request: Request, exc: Exception) -> None:
    """What every refused request goes through before its answer: the quarantine watch,
    then the audit record of the refused call (api/refusals.py)."""
    await observe_refusal(request, exc)
    if isinstance(exc, refusals.REFUSALS):
        await refusals.record(request, exc)


async def observe_refusal(request: Request, exc: Exception) -> None:
    """Count a producer's refused request towards quarantine: bad signatures, stale
    timestamps and replays (also a replay caught inside the proposal's transaction), and
    refusals by limits (by its rate: bursts)."""
    if isinstance(exc, SignatureRefused):
        if exc.producer is not None:
            await _observe(request, exc.producer, quarantine.AUTH_FAILURES,
                           f"{exc.reason}: {request.method} {request.scope['path']}")
    elif isinstance(exc, LimitRejected):
        who: Principal | None = getattr(request.state, "principal", None)
        # A retry of an already refused proposal is not a new probe of the limits.
        if who is not None and who.role is Role.PRODUCER and not exc.replayed:
            failed = [c.name for c in exc.decision.failures]
            burst = any(name in quarantine.BURST_CHECKS for name in failed)
            kind = quarantine.RATE_REFUSALS if burst else quarantine.LIMIT_REFUSALS
            await _observe(request, who.name, kind, ", ".join(failed))


async def _verify_signed(request: Request) -> Principal:
    gw = gateway_of(request)
    body = await read_body(request)
    scope = request.scope
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    target = raw.decode("latin-1") + (("?" + query.decode("latin-1")) if query else "")
    signed = gw.auth.verify(request.method, target, request.headers, body)
    claim = NonceClaim(signed.key_id, signed.nonce, signed.expires_at)
    if request.method == "POST" and scope["path"] == PROPOSE_PATH:
        # Claimed inside the proposal's own transaction (no extra round trip).
        request.state.nonce = claim
    elif not await gw.writer.run(claim):
        raise replay_refused(signed.principal.name)
    return signed.principal


def replay_refused(producer: str) -> SignatureRefused:
    return SignatureRefused("nonce already used (a replayed request): send a new nonce with "
                            "every request", "replay", producer)


async def _observe(request: Request, producer: str, kind: str, detail: str) -> None:
    """Count one bad act of a producer (auditing auth failures); past the threshold, suspend."""
    gw = gateway_of(request)
    rules = gw.limits.current()[0].quarantine
    evidence = watch_of(request).record(producer, kind, detail, rules)
    if evidence is None and kind != quarantine.AUTH_FAILURES:
        return  # limit refusals and role violations are audited where they happen

    def job(uow: Any) -> None:
        if kind == quarantine.AUTH_FAILURES:
            uow.audit.append(uow.now, "access.refused", f"producer:{producer}", reason=detail)
        if evidence is not None:
            quarantine.suspend(uow, producer, kind.replace("_", " "), {
                kind: len(evidence), "threshold": quarantine.threshold(rules, kind),
                "window_seconds": rules.window_seconds, "evidence": evidence[-20:]})

    await gw.writer.run(job)
    if evidence is not None:
        gw.auth.forget()


def shutting_down() -> ApiError:
    return ApiError(503, "shutting_down", "this gateway process is shutting down and takes no "
                    "new proposals; send it again (same idempotency key) to another process")


def caller(request: Request) -> Principal:
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        raise Unauthorized("send `Authorization: Bearer <token>` (operators) or sign the "
                           "request (producers, see the README); `gateway operators add` and "
                           "`gateway producers add` issue credentials")
    return who


async def require(request: Request, *roles: Role) -> Principal:
    """The caller, if their role is one of `roles`; otherwise 403 and an audit record."""
    who = caller(request)
    if who.role not in roles:
        gw = gateway_of(request)
        path = request.url.path
        await gw.writer.run(lambda uow: uow.audit.append(
            uow.now, "access.denied", who.actor, reason=f"{request.method} {path}",
            payload={"role": who.role.value, "needs": sorted(r.value for r in roles)}))
        if who.role is Role.PRODUCER:
            await _observe(request, who.name, quarantine.ROLE_VIOLATIONS,
                           f"{request.method} {path}")
        refused = Forbidden(f"{who.role.value} credentials cannot {request.method} {path}; "
                            f"this needs one of: {', '.join(sorted(r.value for r in roles))}")
        refused.audited = True  # access.denied above
        raise refused
    return who


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 past MAX_BODY without reading more than that."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise ApiError(413, "too_large", f"body over {MAX_BODY} bytes")
    cached: bytes | None = getattr(request, "_body", None)
    if cached is not None:
        return cached
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, "too_large", f"body over {MAX_BODY} bytes")
        chunks.append(chunk)
    request._body = b"".join(chunks)
    return request._body


async def parse_body(request: Request, model: type[M]) -> M:
    """Parse with pydantic straight from bytes, so amounts arrive exact and unknown keys fail."""
    raw = await read_body(request)
    return model.model_validate_json(raw or b"{}")


def body_schema(model: type[BaseModel]) -> dict[str, object]:
    """OpenAPI description of a body that is parsed by hand (see parse_body)."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": model.model_json_schema()}}}}
