"""Typed exceptions mirroring the API error envelope {"error": {code, message, ...}}."""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Any refusal from the gateway. `status`, `code`, `field` and `details` come from the API."""

    def __init__(self, message: str, *, status: int = 0, code: str = "error",
                 field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code
        self.field, self.details = field, details


class Unauthorized(GatewayError):
    """401: bad credentials, bad signature, stale timestamp or replayed nonce."""


class Forbidden(GatewayError):
    """403: the call is outside the producer role."""


class Quarantined(Forbidden):
    """403: the producer is suspended; only an operator can reinstate it."""


class NotFound(GatewayError):
    """404: no such order (or not yours)."""


class Conflict(GatewayError):
    """409: e.g. an idempotency key reused with a different payload, or a finished order."""


class ValidationError(GatewayError):
    """422: the request broke a schema rule; `field` names the field, `details` every rule."""


class LimitRejected(GatewayError):
    """422: refused by limits. `checks` lists every check, `failed` the ones that refused.

    >>> try:
    ...     client.propose("BTC/USDT", "buy", "100", limit_price="95000")  # doctest: +SKIP
    ... except LimitRejected as exc:
    ...     for check in exc.failed:
    ...         print(check["name"], check["message"])
    """

    @property
    def checks(self) -> list[dict[str, Any]]:
        found = (self.details or {}).get("checks") if isinstance(self.details, dict) else None
        return list(found or [])

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c.get("passed")]


class RateLimited(LimitRejected):
    """429: refused only for bursting above the throttle or this producer's rate.

    `retry_after` is how many seconds to wait at most; `failed` names the rate checks.
    Not retried by the client: the refusal spent the idempotency key, so propose again.
    """

    def __init__(self, message: str, *, retry_after: float = 1.0, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class Halted(GatewayError):
    """503: trading is halted; `reason` says why, `scope` ("global", "symbol", "producer")
    and `target` (the symbol or producer) say what is halted."""

    def _detail(self, key: str) -> str | None:
        d = self.details
        value = d.get(key) if isinstance(d, dict) else None
        return None if value is None else str(value)

    @property
    def reason(self) -> str | None:
        return self._detail("reason")

    @property
    def scope(self) -> str | None:
        return self._detail("scope")

    @property
    def target(self) -> str | None:
        return self._detail("target")


class Unavailable(GatewayError):
    """503 without a halt, or no answer at all: the gateway or its database is unreachable."""


def from_response(status: int, body: Any, retry_after: str | None) -> GatewayError:
    err = body.get("error") if isinstance(body, dict) else None
    err = err if isinstance(err, dict) else {}
    code = str(err.get("code") or "error")
    kw: dict[str, Any] = {"status": status, "code": code, "field": err.get("field"),
                          "details": err.get("details")}
    message = str(err.get("message") or f"HTTP {status}")
    if status == 429:
        try:
            wait = float(retry_after or 1)
        except ValueError:
            wait = 1.0
        return RateLimited(message, retry_after=wait, **kw)
    if status == 503:
        return (Halted if code == "halted" else Unavailable)(message, **kw)
    if status == 422:
        return (LimitRejected if code == "limit_rejected" else ValidationError)(message, **kw)
    if status == 403:
        return (Quarantined if code == "quarantined" else Forbidden)(message, **kw)
    cls = {401: Unauthorized, 404: NotFound, 409: Conflict}.get(status, GatewayError)
    return cls(message, **kw)
