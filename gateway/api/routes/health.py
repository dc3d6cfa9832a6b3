"""Health for load balancers and orchestrators, and metrics for Prometheus.

/healthz: the process is alive. /readyz: this process should get traffic, with each check
reported separately (database, venue, limits, halt); cheap and bounded in time (a hung
database fails the probe after `ready_timeout_s`, it never hangs it). /metrics: Prometheus
text; open to anonymous scrapers on the port unless `metrics.auth = "operator"`, never to
producer credentials.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.observability.probe import DbFacts, ProbeFailed
from gateway.services.principals import HUMAN_ROLES, Principal, Role

from ..deps import gateway_of, require

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


def _check(ok: bool, detail: str) -> dict[str, Any]:
    return {"ok": ok, "detail": detail}


@router.get("/readyz", responses={503: {"description": "Not ready: see which check failed"}})
async def readyz(request: Request) -> JSONResponse:
    """200 only when the database answers, the venue is reachable, limits are loaded and
    trading is not halted (and the process is not shutting down); 503 otherwise."""
    gw = gateway_of(request)
    checks: dict[str, dict[str, Any]] = {}
    facts: DbFacts | None = None
    try:
        facts = await gw.probe.read()
        checks["database"] = _check(True, "answering")
    except ProbeFailed as exc:
        checks["database"] = _check(False, f"database {exc}")
    health = gw.executor.health
    if health.down:
        checks["venue"] = _check(False, f"unreachable past the threshold ({health.last_error})")
    elif not health.reachable:
        checks["venue"] = _check(False, f"not answering: {health.last_error}")
    else:
        checks["venue"] = _check(True, f"{gw.exchange.name} answering")
    try:
        _, version = gw.limits.current()
        checks["limits"] = _check(True, f"version {version} loaded")
    except Exception as exc:  # a holder that cannot say what is in force is not ready
        checks["limits"] = _check(False, f"not loaded: {exc}")
    if facts is None:
        checks["halt"] = _check(False, "unknown: the database did not answer")
    elif facts.halted:
        checks["halt"] = _check(False, f"halted: {facts.halt_reason or 'no reason given'}")
    else:
        checks["halt"] = _check(True, "trading")
    if gw.draining:
        checks["process"] = _check(False, "shutting down: finishing in-flight work")
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse({"ready": ready, "instance": gw.instance, "checks": checks},
                        status_code=200 if ready else 503,
                        headers={"Cache-Control": "no-store"})


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(request: Request) -> Response:
    """This process's counters plus the shared database's gauges (Prometheus text)."""
    gw = gateway_of(request)
    who: Principal | None = getattr(request.state, "principal", None)
    if gw.settings.metrics_auth == "operator" or (who is not None and who.role is Role.PRODUCER):
        # Producers are untrusted: what the desk refuses and who decides is not theirs to
        # study, even when anonymous scrapes are allowed.
        await require(request, *HUMAN_ROLES)
    try:
        facts: DbFacts | None = await gw.probe.read(full=True)
    except ProbeFailed:
        facts = None
    body = gw.metrics.exposition(facts, datetime.now(UTC))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
