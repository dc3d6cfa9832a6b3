"""Health for load balancers and orchestrators, and metrics for Prometheus.

/healthz: the process is alive. /readyz: this process should get traffic, with each check
reported separately (database, venue, limits, halt) and every halt in force listed; cheap
and bounded in time (a hung database fails the probe after `ready_timeout_s`, it never
hangs it). /metrics: Prometheus text; open to anonymous scrapers on the port unless
`metrics.auth = "operator"`, never to producer credentials.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.domain.halts import Halt, HaltScope
from gateway.observability.probe import DbFacts, ProbeFailed
from gateway.services.principals import HUMAN_ROLES, Principal, Role

from ..deps import gateway_of, require
from ..errors import envelope

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


def _check(ok: bool, detail: str) -> dict[str, Any]:
    return {"ok": ok, "detail": detail}


def _halt(h: Halt) -> dict[str, Any]:
    # The same halts `gateway status` lists, without who set them: /readyz answers anyone
    # who can reach the port, and the actor is an operator's name.
    return {"target": h.target or None, "reason": h.reason, "since": h.since.isoformat(),
            "rule": h.rule}


def _halts(facts: DbFacts) -> dict[str, Any]:
    scoped = {scope: [_halt(h) for h in facts.scoped if h.scope is scope]
              for scope in (HaltScope.SYMBOL, HaltScope.PRODUCER)}
    glob = None if not facts.halted else {
        "target": None, "reason": facts.halt_reason or "no reason given",
        "since": facts.halt_since.isoformat() if facts.halt_since else None,
        "rule": facts.halt_rule}
    return {"global": glob, "symbols": scoped[HaltScope.SYMBOL],
            "producers": scoped[HaltScope.PRODUCER]}


def _halt_check(facts: DbFacts | None) -> dict[str, Any]:
    """Only the global halt makes a process unready (docs/deploy.md): a symbol or producer
    halt stops the same orders in every process, so taking processes out of the balancer
    for it would cut off everything else they serve (other symbols, the desk, resume)."""
    if facts is None:
        return _check(False, "unknown: the database did not answer")
    if facts.halted:
        return _check(False, f"halted: {facts.halt_reason or 'no reason given'}")
    if facts.scoped:
        return _check(True, "trading, except " + ", ".join(h.label for h in facts.scoped))
    return _check(True, "trading")


# Checks a load balancer may leave out of the status code: both are shared by every process
# (no process is a better backend than another), and while they fail the desk, `gateway
# status` and the `resume` that lifts a halt must still reach some process.
IGNORABLE = frozenset({"halt", "venue"})


@router.get("/readyz", responses={503: {"description": "Not ready: see which check failed"},
                                  422: {"description": "`ignore` names an unknown check"}})
async def readyz(request: Request, ignore: str = "") -> JSONResponse:
    """200 only when the database answers, the venue is reachable, limits are loaded and
    trading is not halted as a whole (and the process is not shutting down); 503 otherwise.
    `halts` lists the global halt and every symbol and producer halt (null: unknown).

    `?ignore=halt,venue` (for a load balancer's health check) still reports those checks but
    leaves them out of the status code, so a halt does not take every process out of the
    balancer along with the desk and the resume."""
    ignored = {name.strip() for name in ignore.split(",") if name.strip()}
    if not ignored <= IGNORABLE:
        unknown = ", ".join(sorted(ignored - IGNORABLE))
        return envelope(422, "validation_error",
                        f"ignore: {unknown} cannot be ignored; only "
                        f"{', '.join(sorted(IGNORABLE))} may (database, limits and shutting "
                        "down always decide readiness)", field="ignore")
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
    checks["halt"] = _halt_check(facts)
    if gw.draining:
        checks["process"] = _check(False, "shutting down: finishing in-flight work")
    ready = all(c["ok"] for name, c in checks.items() if name not in ignored)
    return JSONResponse({"ready": ready, "instance": gw.instance, "checks": checks,
                         "ignored": sorted(ignored),
                         "halts": None if facts is None else _halts(facts)},
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
