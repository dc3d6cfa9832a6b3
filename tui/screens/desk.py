"""DeskScreen: the approval queue, the order detail, the banners and every desk action.

Its gateway I/O (workers) is inherited from DeskIO; this module holds layout, keys and
the handlers that turn worker results into what the trader sees.

Bindings live on this screen rather than on the App so that they are out of reach
while a modal (reason prompt, help) is open: App bindings stay active under modals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Header, Static

from gateway.api.schemas import OrderOut
from tui.client import PENDING_LIMIT
from tui.explain import explain
from tui.format import order_title, when
from tui.messages import (
    AuditReceived,
    Decided,
    FeedDown,
    FeedUp,
    HaltChanged,
    QueueLoaded,
    RequestFailed,
    StatusLoaded,
)
from tui.screens.desk_io import DeskIO
from tui.screens.help import HelpScreen
from tui.screens.reason import ReasonModal
from tui.widgets import FeedBanner, HaltBanner, OrderDetail, OrderQueue


class DeskScreen(DeskIO):
    BINDINGS = [
        Binding("a", "approve", "Approve", id="approve", tooltip="Approve the version shown"),
        Binding("d", "deny", "Deny", id="deny", tooltip="Deny, with a reason"),
        Binding("H", "halt", "Halt", id="halt", tooltip="Halt all trading"),
        Binding("R", "resume", "Resume", id="resume", tooltip="Resume trading (risk/admin)"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield HaltBanner(id="halt-banner")
        yield FeedBanner(id="feed-banner")
        with Horizontal(id="main"):
            yield OrderQueue(id="queue")
            with VerticalScroll(id="detail-pane"):
                yield OrderDetail(id="detail")
        yield Static(id="status-line", markup=False)
        yield Footer()

    @property
    def queue(self) -> OrderQueue:
        return self.query_one("#queue", OrderQueue)

    @property
    def detail(self) -> OrderDetail:
        return self.query_one("#detail", OrderDetail)

    @property
    def halt_banner(self) -> HaltBanner:
        return self.query_one("#halt-banner", HaltBanner)

    @property
    def feed_banner(self) -> FeedBanner:
        return self.query_one("#feed-banner", FeedBanner)

    def on_mount(self) -> None:
        self.sub_title = self.api.base_url
        self.halt_banner.show(None)
        self.feed_banner.show(
            f"Connecting to the gateway's event stream at {self.api.base_url}. "
            "Orders are not actionable until the desk is live."
        )
        self._render_liveness()
        self.queue.focus()
        self.load_status()
        self._follow_events()  # the queue is fetched once the stream is up (FeedUp)
        self.set_interval(1.0, self._tick)

    # ---- actions: open prompts and start workers; no I/O here -------------------------

    def action_approve(self) -> None:
        order = self._actionable_order()
        if order is not None:
            self._begin(order)
            self._send_approve(order.id, order.version)

    def action_deny(self) -> None:
        order = self._actionable_order()
        if order is None:
            return
        # The version is captured now: it is the one on screen when the trader chose to deny.
        modal = ReasonModal(
            f"Deny {order_title(order)}?",
            f"Order {order.id}, version {order.version}, from {order.producer}.",
            "Deny order",
            danger=False,
        )
        self.app.push_screen(modal, callback=partial(self._deny_with_reason, order))

    def action_halt(self) -> None:
        modal = ReasonModal(
            "Halt ALL trading?",
            "No order will be sent to the venue until a risk officer or admin resumes.",
            "Halt trading",
            danger=True,
        )
        self.app.push_screen(modal, callback=partial(self._halt_with_reason, True))

    def action_resume(self) -> None:
        modal = ReasonModal(
            "Resume trading?",
            "Approved orders will flow to the venue again. Only risk or admin may resume.",
            "Resume trading",
            danger=False,
        )
        self.app.push_screen(modal, callback=partial(self._halt_with_reason, False))

    def action_refresh(self) -> None:
        self.request_queue()
        self.load_status()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def _deny_with_reason(self, order: OrderOut, reason: str | None) -> None:
        if reason is None:
            return
        # Re-check: the stream may have dropped while the prompt was open.
        if self._refuse_if_blocked(order):
            return
        self._begin(order)
        self._send_deny(order.id, reason, order.version)

    def _halt_with_reason(self, halt: bool, reason: str | None) -> None:
        if reason is not None:
            self._send_halt(halt, reason)

    # ---- message handlers: update state and widgets -----------------------------------

    @on(FeedUp)
    def _feed_up(self) -> None:
        self.state.feed_changed(up=True)
        self.feed_banner.show(None)
        self._render_liveness()
        self.request_queue()  # events may have been missed while down
        self.load_status()

    @on(FeedDown)
    def _feed_down(self, message: FeedDown) -> None:
        self.state.feed_changed(up=False)
        self.feed_banner.show(
            f"DISCONNECTED from the gateway's event stream ({message.reason}). "
            f"This queue may be stale and cannot be acted on. Retrying in {message.retry_in:g} s."
        )
        self._render_liveness()

    @on(AuditReceived)
    def _audit(self, message: AuditReceived) -> None:
        kind = message.event.kind
        if kind.startswith("order."):
            self.request_queue()
        elif kind.startswith("halt."):
            self.load_status()

    @on(QueueLoaded)
    def _queue_loaded(self, message: QueueLoaded) -> None:
        self.state.set_orders(message.orders, message.epoch)
        self.queue.show(self.state.orders, self.state.server_now(), self.state.in_flight)
        if len(message.orders) >= PENDING_LIMIT:
            # Say so rather than let a capped list pass for the whole queue.
            self.queue.border_title = f"Pending approval: first {PENDING_LIMIT} shown, more wait"
        self._render_liveness()

    @on(StatusLoaded)
    def _status_loaded(self, message: StatusLoaded) -> None:
        status = message.status
        self.state.clock_offset = status.server_time - datetime.now(UTC)
        self.state.halt = status.halt
        self.halt_banner.show(status.halt)
        pending = status.orders_by_state.get("pending_approval", 0)
        self.query_one("#status-line", Static).update(
            f"venue {status.venue} · limits {status.limits_version} · pending {pending} · "
            f"server time {when(status.server_time)}"
        )

    @on(HaltChanged)
    def _halt_changed(self, message: HaltChanged) -> None:
        self.state.halt = message.halt
        self.halt_banner.show(message.halt)
        verb = "HALTED" if message.halt.halted else "resumed"
        self._say(f"Trading {verb}; confirmed by the gateway.", title="Halt")
        self.load_status()

    @on(Decided)
    def _decided(self, message: Decided) -> None:
        order = message.order
        self.state.in_flight.discard(order.id)
        if order.state != "pending_approval":  # e.g. still pending under dual approval
            self.state.drop(order.id)
        self.queue.show(self.state.orders, self.state.server_now(), self.state.in_flight)
        self._say(
            f"{message.verb.capitalize()}: {order_title(order)} (order {order.id}). "
            f"Gateway state: {order.state}.",
            title=message.verb.capitalize(),
        )
        self.request_queue()

    @on(RequestFailed)
    def _request_failed(self, message: RequestFailed) -> None:
        if message.order_id is not None:
            self.state.in_flight.discard(message.order_id)
            self.queue.mark_in_flight(message.order_id, in_flight=False)
            self._render_detail()
        self._say(explain(message.error, message.action), severity="error", timeout=15)
        if message.error.status in (404, 409):
            self.request_queue()

    @on(OrderQueue.Highlighted)
    def _highlighted(self) -> None:
        self._render_detail()

    # ---- helpers ------------------------------------------------------------------------

    def _actionable_order(self) -> OrderOut | None:
        """The highlighted order if it may be decided now; otherwise say why not."""
        order_id = self.queue.highlighted_id
        order = None if order_id is None else self.state.find(order_id)
        if order is None:
            self._say("No order selected.", severity="warning")
            return None
        return None if self._refuse_if_blocked(order) else order

    def _refuse_if_blocked(self, order: OrderOut) -> bool:
        reason = self.state.blocked_reason(order)
        if reason is not None:
            self._say(reason, severity="warning", timeout=10)
        return reason is not None

    def _begin(self, order: OrderOut) -> None:
        self.state.in_flight.add(order.id)
        self.queue.mark_in_flight(order.id, in_flight=True)
        self._render_detail()

    def _say(
        self,
        text: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None:
        # markup=False: server messages and reasons are shown as typed, never interpreted.
        self.notify(text, title=title, severity=severity, timeout=timeout, markup=False)

    def _render_liveness(self) -> None:
        self.queue.set_class(not self.state.queue_fresh, "-stale")
        self._render_detail()

    def _render_detail(self) -> None:
        order_id = self.queue.highlighted_id
        order = None if order_id is None else self.state.find(order_id)
        blocked = None if order is None else self.state.blocked_reason(order)
        self.detail.show(order, blocked, self.state.server_now())

    def _tick(self) -> None:
        self.queue.tick(self.state.server_now())
        self._render_detail()
