"""AsyncGatewayClient: the same calls as GatewayClient, for asyncio bots.

    >>> async with AsyncGatewayClient(url, credential) as gw:  # doctest: +SKIP
    ...     handle = await gw.propose("BTC/USDT", "buy", "0.01", limit_price="95000")
    ...     order = await gw.wait(handle.id, timeout=300)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from gateway.api.schemas import OrderOut, PricesOut, ScopeKeyOut, StatusOut

from . import _core, errors, sse
from .auth import ProducerAuth
from .scope import verify_scope


class AsyncGatewayClient:
    """Signs every request; retries with backoff only reads and (idempotent) proposals."""

    def __init__(self, url: str = _core.DEFAULT_URL, credential: str | None = None, *,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.2,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport,
                                       auth=ProducerAuth(_core.credential_from_env(credential)))
        self.retries, self.backoff = retries, backoff

    async def __aenter__(self) -> AsyncGatewayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, *, json: Any = None, params: Any = None,
                    safe: bool = True) -> Any:
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, json=json, params=params)
                return _core.check(response)
            except (errors.GatewayError, httpx.TransportError) as exc:
                retry_ok = safe or isinstance(exc, httpx.ConnectError)
                delay = _core.retry_delay(exc, attempt, self.backoff) if retry_ok else None
                if delay is None or attempt >= self.retries:
                    if isinstance(exc, httpx.TransportError):
                        raise errors.Unavailable(f"gateway unreachable: {exc}") from exc
                    raise
                attempt += 1
                await asyncio.sleep(delay)

    async def propose(self, symbol: str, side: str, quantity: _core.Amount, *,
                      limit_price: _core.Amount | None = None, type: str = "limit",
                      idempotency_key: str | None = None, rationale: str | None = None,
                      confidence: _core.Amount | None = None,
                      venue: str | None = None) -> OrderOut:
        """Propose an order; returns it as queued. Raises LimitRejected, Halted, ..."""
        body = _core.proposal_body(symbol, side, quantity, limit_price, type, idempotency_key,
                                   rationale, confidence, venue)
        return _core.order(await self._call("POST", "/v1/orders", json=body))

    async def order(self, order_id: str) -> OrderOut:
        return _core.order(await self._call("GET", f"/v1/orders/{order_id}"))

    async def orders(self, state: str | list[str] | None = None,
                     limit: int = 200) -> list[OrderOut]:
        params: dict[str, Any] = {"limit": limit}
        if state is not None:
            params["state"] = [state] if isinstance(state, str) else state
        data = await self._call("GET", "/v1/orders", params=params)
        return [_core.order(o) for o in data["orders"]]

    async def cancel(self, order_id: str, reason: str = "withdrawn by the producer") -> OrderOut:
        return _core.order(await self._call("POST", f"/v1/orders/{order_id}/cancel",
                                            json={"reason": reason}, safe=False))

    async def prices(self) -> PricesOut:
        """The reference prices the limit checks use, with when each was observed."""
        return PricesOut.model_validate(await self._call("GET", "/v1/prices"))

    async def scope_key(self) -> ScopeKeyOut:
        """The gateway's public key that scope documents verify against."""
        return ScopeKeyOut.model_validate(await self._call("GET", "/v1/scope/key"))

    async def scope(self, public_key: str | None = None) -> dict[str, Any]:
        """This producer's current scope document, verified: against `public_key` (base64)
        when given (pin it), else against the key the gateway serves. Raises
        ScopeDocumentInvalid if the signature does not match."""
        signed = await self._call("GET", "/v1/scope")
        key = public_key or (await self.scope_key()).public_key
        return verify_scope(signed, key)

    async def status(self) -> StatusOut:
        return StatusOut.model_validate(await self._call("GET", "/v1/status"))

    async def updates(self, timeout: float | None = None,
                      after: int | None = None) -> AsyncIterator[OrderOut]:
        """Every change to this producer's orders, pushed by the server."""
        params = {"after": after} if after is not None else None
        read = httpx.Timeout(self._http.timeout.connect, read=timeout)
        async with self._http.stream("GET", "/v1/orders/events", params=params,
                                     timeout=read) as response:
            if not response.is_success:
                await response.aread()
                _core.check(response)
            async for event in sse.aevents(response.aiter_lines()):
                yield _core.order(event["order"])

    async def wait(self, order_id: str, until: frozenset[str] = _core.FINAL,
                   timeout: float | None = None) -> OrderOut:
        """Until `order_id` reaches a state in `until`; TimeoutError past `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        current = await self.order(order_id)
        while current.state not in until:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f"order {order_id} is still {current.state}")
            try:
                current = await asyncio.wait_for(self._watch(order_id, until), left)
            except (TimeoutError, httpx.ReadTimeout):
                current = await self.order(order_id)
        return current

    async def _watch(self, order_id: str, until: frozenset[str]) -> OrderOut:
        read = httpx.Timeout(self._http.timeout.connect, read=None)
        async with self._http.stream("GET", "/v1/orders/events", timeout=read) as response:
            if not response.is_success:
                await response.aread()
                _core.check(response)
            current = await self.order(order_id)  # connected first: nothing is missed
            parser = sse.Parser()
            async for line in response.aiter_lines():
                if current.state in until:
                    break
                event = parser.feed(line)
                if event is not None and event["order"]["id"] == order_id:
                    current = _core.order(event["order"])
                    if current.state in until:
                        break
        return current
