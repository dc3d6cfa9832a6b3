"""DeskApi: the desk's only way to the gateway, over its HTTP API.

Every method returns a wire model from `gateway.api.schemas` or raises `DeskError`, so
screens never see httpx or raw JSON. The transport is injectable: tests pass
`httpx.MockTransport`, production uses the default network transport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from gateway.api.desk_schemas import (
    EditIn,
    ImpactOut,
    LimitsOut,
    MeOut,
    PnlOut,
    ProducersOut,
    QueueOut,
    UtilisationOut,
)
from gateway.api.schemas import (
    ApproveIn,
    AuditEventOut,
    AuditPage,
    DenyIn,
    HaltOut,
    OrderOut,
    PositionsOut,
    PricesOut,
    ReasonIn,
    StatusOut,
)
from tui.sse import SseDecoder

_Model = TypeVar("_Model", bound=BaseModel)

# The server pings every ~10 s; three missed pings means the stream is dead even if
# the TCP connection still looks open.
# The desk lists at most this many pending orders (GET /v1/desk/queue's largest page).
PENDING_LIMIT = 10_000
STREAM_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=5.0, pool=5.0)


class DeskError(Exception):
    """A refused or failed call. status 0 means no HTTP reply at all."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    @property
    def outcome_unknown(self) -> bool:
        """True when a request may have reached the server but no reply came back."""
        return self.code == "no_reply"


class DeskApi:
    """Typed async client for the operator endpoints the desk uses."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "guardrail-desk"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def me(self) -> MeOut:
        """Who the token belongs to, and their role: the desk offers only what it allows."""
        return await self._call("GET", "/v1/me", MeOut)

    async def pending_orders(self, limit: int = PENDING_LIMIT) -> QueueOut:
        """Pending orders, soonest expiry first, checks counted (fetch one order for them)."""
        return await self._call("GET", "/v1/desk/queue", QueueOut, params={"limit": str(limit)})

    async def order(self, order_id: str) -> OrderOut:
        return await self._call("GET", _order_path(order_id), OrderOut)

    async def approve(self, order_id: str, version: int) -> OrderOut:
        body = ApproveIn(version=version)
        return await self._call("POST", _order_path(order_id, "approve"), OrderOut, body=body)

    async def deny(self, order_id: str, reason: str, version: int) -> OrderOut:
        body = DenyIn(reason=reason, version=version)
        return await self._call("POST", _order_path(order_id, "deny"), OrderOut, body=body)

    async def edit(
        self, order_id: str, version: int, quantity: Decimal | None, limit_price: Decimal | None
    ) -> OrderOut:
        body = EditIn(version=version, quantity=quantity, limit_price=limit_price)
        return await self._call("POST", _order_path(order_id, "edit"), OrderOut, body=body)

    async def impact(self, order_id: str) -> ImpactOut:
        path = f"/v1/desk/orders/{quote(order_id, safe='')}/impact"
        return await self._call("GET", path, ImpactOut)

    async def limits(self) -> LimitsOut:
        return await self._call("GET", "/v1/limits", LimitsOut)

    async def prices(self) -> PricesOut:
        return await self._call("GET", "/v1/prices", PricesOut)

    async def producers(self) -> ProducersOut:
        return await self._call("GET", "/v1/desk/producers", ProducersOut)

    async def utilisation(self) -> UtilisationOut:
        return await self._call("GET", "/v1/desk/utilisation", UtilisationOut)

    async def audit_tail(self, filters: Mapping[str, str], limit: int = 50) -> AuditPage:
        """Newest first; filters: order_id, producer, operator."""
        params = {"limit": str(limit), **filters}
        return await self._call("GET", "/v1/desk/audit-tail", AuditPage, params=params)

    async def pnl(self) -> PnlOut:
        return await self._call("GET", "/v1/desk/pnl", PnlOut)

    async def halt(self, reason: str) -> HaltOut:
        return await self._call("POST", "/v1/halt", HaltOut, body=ReasonIn(reason=reason))

    async def resume(self, reason: str) -> HaltOut:
        return await self._call("POST", "/v1/resume", HaltOut, body=ReasonIn(reason=reason))

    async def status(self) -> StatusOut:
        return await self._call("GET", "/v1/status", StatusOut)

    async def positions(self) -> PositionsOut:
        return await self._call("GET", "/v1/positions", PositionsOut)

    async def audit(
        self, after: int | None = None, limit: int = 100, order_id: str | None = None
    ) -> AuditPage:
        params = {"limit": str(limit)}
        if after is not None:
            params["after"] = str(after)
        if order_id is not None:
            params["order_id"] = order_id
        return await self._call("GET", "/v1/audit", AuditPage, params=params)

    @asynccontextmanager
    async def events(self, after: int | None) -> AsyncIterator[AsyncIterator[AuditEventOut]]:
        """Open the event stream; entering means the server accepted it (status 200).

        Any failure, while opening or while reading, surfaces as DeskError.
        """
        params = {} if after is None else {"after": str(after)}
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        request = self._http.build_request(
            "GET", "/v1/events", params=params, headers=headers, timeout=STREAM_TIMEOUT
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _network_error(exc, self.base_url) from exc
        try:
            if response.status_code >= 400:
                await response.aread()
                raise _http_error(response)
            yield _audit_events(response)
        except httpx.HTTPError as exc:
            raise _network_error(exc, self.base_url) from exc
        finally:
            await response.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        model: type[_Model],
        *,
        params: Mapping[str, str] | None = None,
        body: BaseModel | None = None,
    ) -> _Model:
        # exclude_none: an edit sends only the fields it changes.
        content = None if body is None else body.model_dump_json(exclude_none=True)
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            response = await self._http.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise _network_error(exc, self.base_url) from exc
        if response.status_code >= 400:
            raise _http_error(response)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise DeskError(
                response.status_code,
                "bad_response",
                f"the gateway's reply to {method} {path} does not match the desk's schema "
                f"({exc.error_count()} problem(s)); the desk and server versions may differ",
            ) from exc


async def _audit_events(response: httpx.Response) -> AsyncIterator[AuditEventOut]:
    decoder = SseDecoder()
    async for chunk in response.aiter_bytes():
        for message in decoder.feed(chunk):
            if message.event != "audit":
                continue
            try:
                yield AuditEventOut.model_validate_json(message.data)
            except ValidationError as exc:
                # Skipping an event would hide a change, so the stream counts as broken.
                raise DeskError(
                    200, "bad_event", f"unreadable event after id {decoder.last_id}"
                ) from exc


def _order_path(order_id: str, verb: str | None = None) -> str:
    path = f"/v1/orders/{quote(order_id, safe='')}"
    return path if verb is None else f"{path}/{verb}"


def _network_error(exc: httpx.HTTPError, base_url: str) -> DeskError:
    # Connect errors mean the request never left; anything later may have been applied.
    cause = f"{type(exc).__name__}: {exc}"[:120]
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return DeskError(0, "unreachable", f"cannot reach {base_url}: {cause}")
    return DeskError(0, "no_reply", f"connection to {base_url} broke: {cause}")


def _http_error(response: httpx.Response) -> DeskError:
    """Read the {"error": {...}} envelope leniently: a garbled error is still an error."""
    status = response.status_code
    try:
        payload = json.loads(response.content)
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        field = error.get("field")
        return DeskError(
            status,
            str(error.get("code") or f"http_{status}"),
            str(error.get("message") or response.reason_phrase),
            field if isinstance(field, str) else None,
        )
    text = response.text.strip()[:200] or response.reason_phrase
    return DeskError(status, f"http_{status}", text)
