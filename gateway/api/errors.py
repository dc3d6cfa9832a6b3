"""One error envelope everywhere: {"error": {code, message, field, details}}."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.adapters.store.writer import StoreUnavailable
from gateway.domain.checks.producer_scope import RATE_WINDOW_SECONDS
from gateway.domain.state_machine import IllegalTransition
from gateway.services.errors import (
    Conflict,
    Forbidden,
    HaltedError,
    LimitRejected,
    NotFound,
    ServiceError,
    Unauthorized,
)
from gateway.services.quarantine import BURST_CHECKS

from .views import order_out

STATUS = {
    NotFound: 404, Conflict: 409, Forbidden: 403, Unauthorized: 401, HaltedError: 503,
    LimitRejected: 422,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.details = field, details


def envelope(status: int, code: str, message: str, field: str | None = None,
             details: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_details(errors: list[Any]) -> tuple[str | None, str, list[dict[str, Any]]]:
    items = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        items.append({"field": ".".join(loc) or None, "rule": err.get("type"),
                      "message": err.get("msg")})
    first = items[0] if items else {"field": None, "message": "invalid request"}
    message = f"{first['field'] or 'request'}: {first['message']}"
    return first["field"], message, items


def retry_after(request: Request, exc: LimitRejected) -> int | None:
    """Seconds after which a proposal refused only for its rate may pass (at most a whole
    window); None when something other than a rate refused it, which waiting does not fix."""
    failed = {c.name for c in exc.decision.failures}
    if not failed or not failed <= BURST_CHECKS:
        return None
    limits, _ = request.app.state.gateway.limits.current()
    return max(limits.throttle.window_seconds if name == "throttle" else RATE_WINDOW_SECONDS
               for name in failed)


def _unavailable(exc: StoreUnavailable) -> JSONResponse:
    return envelope(503, "store_unavailable", f"{exc}; retry shortly",
                    headers={"Retry-After": "1"})


async def _ignore(request: Request, exc: Exception) -> None:
    return None


OnRefusal = Callable[[Request, Exception], Awaitable[None]]


def install(app: FastAPI, on_refusal: OnRefusal = _ignore) -> None:
    """The handlers. Each refusal goes through `on_refusal` first (the quarantine watch and
    the refused-call record, gateway/api/deps.py)."""

    async def heard(request: Request, exc: Exception) -> JSONResponse | None:
        try:
            await on_refusal(request, exc)
        except StoreUnavailable as failure:  # as when the watch ran inside the request
            return _unavailable(failure)
        return None

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        if (failed := await heard(request, exc)) is not None:
            return failed
        return envelope(exc.status, exc.code, exc.message, exc.field, exc.details)

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSONResponse:
        if (failed := await heard(request, exc)) is not None:
            return failed
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 400)
        details: Any = None
        if isinstance(exc, LimitRejected):
            details = {"checks": [c.as_dict() for c in exc.decision.checks],
                       "order": order_out(exc.order).model_dump(mode="json")
                       if exc.order else None}
            wait = retry_after(request, exc)
            if wait is not None:  # slowing down is all it takes: 429, with how long
                return envelope(429, "rate_limited", f"{exc.message}; retry within {wait} s "
                                "with a new idempotency key", details=details,
                                headers={"Retry-After": str(wait)})
        elif isinstance(exc, Conflict) and exc.order is not None:
            details = {"order": order_out(exc.order).model_dump(mode="json")}
        elif isinstance(exc, HaltedError):
            details = {"reason": exc.reason, "scope": exc.scope, "target": exc.target}
        return envelope(status, exc.code, exc.message, details=details)

    @app.exception_handler(IllegalTransition)
    async def _illegal(request: Request, exc: IllegalTransition) -> JSONResponse:
        if (failed := await heard(request, exc)) is not None:
            return failed
        return envelope(409, "illegal_transition", str(exc))

    @app.exception_handler(StoreUnavailable)
    async def _store(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return _unavailable(exc)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if (failed := await heard(request, exc)) is not None:
            return failed
        field, message, items = validation_details(list(exc.errors()))
        return envelope(422, "validation_error", message, field, items)

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> JSONResponse:
        if (failed := await heard(request, exc)) is not None:
            return failed
        field, message, items = validation_details(list(exc.errors()))
        return envelope(422, "validation_error", message, field, items)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error")
        return envelope(exc.status_code, code, str(exc.detail))
