"""GatewayClient: the blocking client a signal bot uses.

    >>> from gateway.sdk import GatewayClient, LimitRejected
    >>> with GatewayClient("http://127.0.0.1:8787", "gwk_....secret") as gw:  # doctest: +SKIP
    ...     handle = gw.propose("BTC/USDT", "buy", "0.01", limit_price="95000",
    ...                         rationale="breakout")
    ...     order = handle.wait(timeout=300)   # filled, or denied with a reason, or expired
    ...     print(order.state, order.reason)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx

from gateway.api.schemas import OrderOut, PricesOut, ScopeKeyOut, StatusOut

from . import _core, errors, sse
from .auth import ProducerAuth
from .handle import OrderHandle
from .scope import verify_scope


class GatewayClient:
    """Signs every request with the producer's credential (`key_id.secret`).

    Retries with backoff only where it is safe: reads, and proposals (each carries an
    idempotency key, so a retry returns the original order instead of making a second).
    """

    def __init__(self, url: str = _core.DEFAULT_URL, credential: str | None = None, *,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.2,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=url, timeout=timeout, transport=transport,
                                  auth=ProducerAuth(_core.credential_from_env(credential)))
        self.retries, self.backoff = retries, backoff

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, *, json: Any = None, params: Any = None,
              safe: bool = True) -> Any:
        attempt = 0
        while True:
            try:
                return _core.check(self._http.request(method, path, json=json, params=params))
            except (errors.GatewayError, httpx.TransportError) as exc:
                # A request that may have reached the server is retried only when safe.
                retry_ok = safe or isinstance(exc, httpx.ConnectError)
                delay = _core.retry_delay(exc, attempt, self.backoff) if retry_ok else None
                if delay is None or attempt >= self.retries:
                    if isinstance(exc, httpx.TransportError):
                        raise errors.Unavailable(f"gateway unreachable: {exc}") from exc
                    raise
                attempt += 1
                time.sleep(delay)

    def propose(self, symbol: str, side: str, quantity: _core.Amount, *,
                limit_price: _core.Amount | None = None, type: str = "limit",
                idempotency_key: str | None = None, rationale: str | None = None,
                confidence: _core.Amount | None = None,
                venue: str | None = None) -> OrderHandle:
        """Propose an order for a human to approve. Raises LimitRejected, Halted, ...

        Amounts are Decimal, str or int (floats are refused). Without an idempotency key
        one is generated, so the client's own retries never make a second order.

        >>> h = gw.propose("ETH/USDT", "sell", "0.5", limit_price="3500")  # doctest: +SKIP
        """
        body = _core.proposal_body(symbol, side, quantity, limit_price, type, idempotency_key,
                                   rationale, confidence, venue)
        return OrderHandle(self, _core.order(self._call("POST", "/v1/orders", json=body)))

    def order(self, order_id: str) -> OrderOut:
        return _core.order(self._call("GET", f"/v1/orders/{order_id}"))

    def orders(self, state: str | list[str] | None = None, limit: int = 200) -> list[OrderOut]:
        """This producer's orders (optionally only in the given states)."""
        params: dict[str, Any] = {"limit": limit}
        if state is not None:
            params["state"] = [state] if isinstance(state, str) else state
        data = self._call("GET", "/v1/orders", params=params)
        return [_core.order(o) for o in data["orders"]]

    def cancel(self, order_id: str, reason: str = "withdrawn by the producer") -> OrderOut:
        """Withdraw a pending or approved order (not retried: it is not idempotent)."""
        return _core.order(self._call("POST", f"/v1/orders/{order_id}/cancel",
                                      json={"reason": reason}, safe=False))

    def prices(self) -> PricesOut:
        """The reference prices the limit checks use, with when each was observed.

        >>> {p.symbol: p.mid for p in gw.prices().prices}  # doctest: +SKIP
        {'BTC/USDT': Decimal('95012.5')}
        """
        return PricesOut.model_validate(self._call("GET", "/v1/prices"))

    def scope_key(self) -> ScopeKeyOut:
        """The gateway's public key that scope documents verify against."""
        return ScopeKeyOut.model_validate(self._call("GET", "/v1/scope/key"))

    def scope(self, public_key: str | None = None) -> dict[str, Any]:
        """This producer's current scope document, verified: against `public_key` (base64)
        when given (pin it), else against the key the gateway serves. Raises
        ScopeDocumentInvalid if the signature does not match."""
        signed = self._call("GET", "/v1/scope")
        key = public_key or (self.scope_key()).public_key
        return verify_scope(signed, key)

    def status(self) -> StatusOut:
        """Halt state, order counts, limits version."""
        return StatusOut.model_validate(self._call("GET", "/v1/status"))

    def _stream(self, timeout: float | None, after: int | None = None
                ) -> contextlib.AbstractContextManager[httpx.Response]:
        params = {"after": after} if after is not None else None
        read = httpx.Timeout(self._http.timeout.connect, read=timeout)
        return self._http.stream("GET", "/v1/orders/events", params=params, timeout=read)

    def updates(self, timeout: float | None = None, after: int | None = None
                ) -> Iterator[OrderOut]:
        """Every change to this producer's orders, pushed by the server (server-sent events).

        `timeout` bounds the wait for the next line (the server pings every 10 s).
        """
        with self._stream(timeout, after) as response:
            if not response.is_success:
                response.read()
                _core.check(response)
            for event in sse.events(response.iter_lines()):
                yield _core.order(event["order"])

    def wait(self, order_id: str, until: frozenset[str] = _core.FINAL,
             timeout: float | None = None) -> OrderOut:
        """Block until `order_id` reaches a state in `until`; TimeoutError past `timeout`.

        >>> gw.wait(handle.id, timeout=300).state  # doctest: +SKIP
        'filled'
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        current = self.order(order_id)
        while current.state not in until:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f"order {order_id} is still {current.state}")
            try:
                current = self._watch(order_id, until, deadline, left)
            except httpx.ReadTimeout:
                continue  # the loop re-checks the deadline
        return current

    def _watch(self, order_id: str, until: frozenset[str], deadline: float | None,
               left: float | None) -> OrderOut:
        with self._stream(left) as response:
            if not response.is_success:
                response.read()
                _core.check(response)
            # Connected first, then re-read: a change between the two is never missed.
            current = self.order(order_id)
            if current.state in until:
                return current
            parser = sse.Parser()
            for line in response.iter_lines():
                event = parser.feed(line)
                if event is not None and event["order"]["id"] == order_id:
                    current = _core.order(event["order"])
                if current.state in until or (deadline and time.monotonic() >= deadline):
                    break
        return current
