"""OrderHandle: what propose() returns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gateway.api.schemas import OrderOut

from . import _core, sse

if TYPE_CHECKING:
    from .client import GatewayClient


class OrderHandle:
    """A proposed order: its latest view, and ways to wait for what happens to it.

    >>> handle = gw.propose("BTC/USDT", "buy", "0.01", limit_price="95000")  # doctest: +SKIP
    >>> for order in handle.updates():                                      # doctest: +SKIP
    ...     print(order.state)        # pending_approval, approved, submitted, filled
    """

    def __init__(self, client: GatewayClient, order: OrderOut) -> None:
        self.client, self.order = client, order

    @property
    def id(self) -> str:
        return self.order.id

    def refresh(self) -> OrderOut:
        self.order = self.client.order(self.id)
        return self.order

    def wait(self, until: frozenset[str] = _core.FINAL, timeout: float | None = None) -> OrderOut:
        """Block until the order reaches a state in `until` (default: finished)."""
        self.order = self.client.wait(self.id, until, timeout)
        return self.order

    def updates(self, timeout: float | None = None) -> Iterator[OrderOut]:
        """Each new version of this order as the server pushes it, until it finishes.

        `timeout` bounds the wait for the next line (the server pings every 10 s).
        """
        if self.order.state in _core.FINAL:
            return
        with self.client._stream(timeout) as response:
            if not response.is_success:
                response.read()
                _core.check(response)
            # Connected first, then re-read: a change between the two is never missed.
            for order in self._newer(self.client.order(self.id)):
                yield order
            if self.order.state in _core.FINAL:
                return
            for event in sse.events(response.iter_lines()):
                if event["order"]["id"] != self.id:
                    continue
                for order in self._newer(_core.order(event["order"])):
                    yield order
                if self.order.state in _core.FINAL:
                    return

    def _newer(self, order: OrderOut) -> Iterator[OrderOut]:
        if order.version > self.order.version:
            self.order = order
            yield order

    def cancel(self, reason: str = "withdrawn by the producer") -> OrderOut:
        self.order = self.client.cancel(self.id, reason)
        return self.order
