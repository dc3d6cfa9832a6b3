"""DeskIO: the desk screen's workers, the only code that talks to the gateway.

Each worker posts a message with its result (tui.messages) instead of touching widgets,
so the screen's handlers are the single place where state and display change.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from textual import work
from textual.screen import Screen

from tui.client import DeskApi, DeskError
from tui.feed import Backoff, follow_events
from tui.messages import (
    Decided,
    HaltChanged,
    IdentityLoaded,
    ImpactLoaded,
    LimitsLoaded,
    OrderLoaded,
    PricesLoaded,
    QueueLoaded,
    RequestFailed,
    StatusLoaded,
)
from tui.state import DeskState


class DeskIO(Screen[None]):
    def __init__(self, api: DeskApi, backoff: Backoff) -> None:
        super().__init__()
        self.api = api
        self.backoff = backoff
        self.state = DeskState()
        self._queue_dirty = False
        self._queue_loading = False

    @work(exclusive=True, group="feed")
    async def _follow_events(self) -> None:
        await follow_events(self.api, self.post_message, self.backoff)

    @work(exclusive=True, group="identity")
    async def load_identity(self) -> None:
        # On failure the role stays unknown: every key stays offered and the gateway refuses
        # what it must (explained as usual). Asked again each time the stream reconnects.
        with contextlib.suppress(DeskError):
            self.post_message(IdentityLoaded(await self.api.me()))

    @work(exclusive=True, group="status")
    async def load_status(self) -> None:
        try:
            self.post_message(StatusLoaded(await self.api.status()))
        except DeskError as err:
            self.post_message(RequestFailed("load the gateway status", err))

    def request_queue(self) -> None:
        """Ask for a fresh queue; bursts of events coalesce into one or two fetches."""
        self._queue_dirty = True
        if not self._queue_loading:
            self._queue_loading = True
            self._load_queue()

    @work(exclusive=True, group="queue")
    async def _load_queue(self) -> None:
        try:
            while self._queue_dirty:
                self._queue_dirty = False
                epoch, decisions = self.state.feed_epoch, self.state.decision_clock
                try:
                    orders = await self.api.pending_orders()
                except DeskError as err:
                    self.post_message(RequestFailed("load the pending queue", err))
                    return
                self.post_message(QueueLoaded(orders.orders, epoch, decisions))
        finally:
            self._queue_loading = False

    # Decisions are not exclusive: cancelling a POST in flight would leave its outcome unknown.
    @work(group="decisions")
    async def _send_approve(self, order_id: str, version: int) -> None:
        try:
            self.post_message(Decided(await self.api.approve(order_id, version), "approved"))
        except DeskError as err:
            self.post_message(RequestFailed(f"approve order {order_id}", err, order_id))

    @work(group="decisions")
    async def _send_deny(self, order_id: str, reason: str, version: int) -> None:
        try:
            self.post_message(Decided(await self.api.deny(order_id, reason, version), "denied"))
        except DeskError as err:
            self.post_message(RequestFailed(f"deny order {order_id}", err, order_id))

    @work(group="decisions")
    async def _send_edit(
        self, order_id: str, version: int, quantity: Decimal | None, price: Decimal | None
    ) -> None:
        try:
            edited = await self.api.edit(order_id, version, quantity, price)
        except DeskError as err:
            self.post_message(RequestFailed(f"edit order {order_id}", err, order_id))
            return
        self.post_message(Decided(edited, "edited"))

    @work(exclusive=True, group="context")
    async def load_context(self, order_id: str) -> None:
        """The highlighted order in full (every check) and its position/exposure impact."""
        try:
            self.post_message(OrderLoaded(await self.api.order(order_id)))
        except DeskError as err:
            if err.status != 404:  # a 404 is an order just decided: the queue catches up
                self.post_message(RequestFailed(f"load order {order_id}", err))
            return
        # Optional context: on failure the detail says "not available".
        with contextlib.suppress(DeskError):
            self.post_message(ImpactLoaded(await self.api.impact(order_id)))

    @work(exclusive=True, group="market")
    async def load_market(self) -> None:
        """Reference prices (bps from market) and limits (dual-approval threshold)."""
        try:
            self.post_message(LimitsLoaded(await self.api.limits()))
            self.post_message(PricesLoaded(await self.api.prices()))
        except DeskError:
            pass  # the queue shows "-" for bps; decisions never depend on these

    @work(group="halt")
    async def _send_halt(self, halt: bool, reason: str) -> None:
        try:
            result = await (self.api.halt(reason) if halt else self.api.resume(reason))
        except DeskError as err:
            self.post_message(RequestFailed("halt trading" if halt else "resume trading", err))
            return
        self.post_message(HaltChanged(result))
