"""DeskScreen: the approval queue, the order detail, the banners, and the handlers that turn
worker results into what the trader sees.

Keys map to DeskActions; gateway I/O lives in DeskIO. Bindings live on this screen rather
than on the App so that they are out of reach while a modal (reason, edit, help) is open:
App bindings stay active under modals.
"""

from __future__ import annotations

from decimal import Decimal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Static

from gateway.api.desk_schemas import ImpactOut
from gateway.api.schemas import OrderOut, StatusOut
from gateway.domain.money import read_decimal
from tui.client import PENDING_LIMIT
from tui.explain import explain
from tui.format import order_title, quarantine_alert, when
from tui.messages import (
    AuditReceived,
    Decided,
    FeedDown,
    FeedUp,
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
from tui.screens.desk_actions import DeskActions
from tui.widgets import FeedBanner, HaltBanner, OrderDetail, OrderQueue, VenueBanner

MARKET_REFRESH_S = 5.0  # reference prices move; bps and the dual badge follow them
CONTEXT_DELAY_S = 0.06


class DeskScreen(DeskActions):
    BINDINGS = [
        Binding("a", "approve", "Approve", id="approve", tooltip="Approve the version shown"),
        Binding("d", "deny", "Deny", id="deny", tooltip="Deny, with a reason"),
        Binding("e", "edit", "Edit", id="edit", tooltip="Reduce quantity / tighten price"),
        Binding("A", "approve_selected", "Approve sel.", id="approve-selected"),
        Binding("D", "deny_selected", "Deny sel.", id="deny-selected"),
        Binding("o", "overview", "Overview", id="overview", tooltip="Positions, producers, audit"),
        Binding("H", "halt", "Halt", id="halt", tooltip="Halt all trading"),
        Binding("R", "resume", "Resume", id="resume", tooltip="Resume trading (risk/admin)"),
        # Active instead of `resume` when the operator's role may not resume: says why.
        Binding("R", "resume_refused", "Resume", show=False),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    _status: StatusOut | None = None
    _impact: ImpactOut | None = None
    _full: OrderOut | None = None  # the highlighted order with every check
    _context_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield HaltBanner(id="halt-banner")
        yield VenueBanner(id="venue-banner")
        yield FeedBanner(id="feed-banner")
        with Horizontal(id="main"):
            yield OrderQueue(id="queue")
            with VerticalScroll(id="detail-pane"):
                yield OrderDetail(id="detail")
        yield Static(id="status-line", markup=False)
        yield Footer()

    @property
    def halt_banner(self) -> HaltBanner:
        return self.query_one("#halt-banner", HaltBanner)

    @property
    def feed_banner(self) -> FeedBanner:
        return self.query_one("#feed-banner", FeedBanner)

    def on_mount(self) -> None:
        self.sub_title = self.api.base_url
        self.halt_banner.show(None)
        self.query_one(VenueBanner).show([])
        self.feed_banner.show(
            f"Connecting to the gateway's event stream at {self.api.base_url}. "
            "Orders are not actionable until the desk is live."
        )
        self.queue.highlight_listener = self._highlighted
        self._render_liveness()
        self.queue.focus()
        self.load_identity()
        self.load_status()
        self.load_market()
        self._follow_events()  # the queue is fetched once the stream is up (FeedUp)
        self.set_interval(1.0, self._tick)
        self.set_interval(MARKET_REFRESH_S, self.load_market)

    # ---- message handlers: update state and widgets -----------------------------------

    @on(FeedUp)
    def _feed_up(self) -> None:
        self.state.feed_changed(up=True)
        self.feed_banner.show(None)
        self._render_liveness()
        self.request_queue()  # events may have been missed while down
        self.load_status()
        if self.state.operator is None:
            self.load_identity()

    @on(FeedDown)
    def _feed_down(self, message: FeedDown) -> None:
        self.state.feed_changed(up=False)
        self.feed_banner.show(
            f"DISCONNECTED from the gateway's event stream ({message.reason}). "
            f"This queue may be stale and cannot be acted on. Retrying in {message.retry_in:.1f} s."
        )
        self._render_liveness()

    @on(AuditReceived)
    def _audit(self, message: AuditReceived) -> None:
        kind = message.event.kind
        if kind.startswith("order."):
            self.request_queue()
            if message.event.order_id == self.queue.highlighted_id:
                self._load_highlighted_context()
        elif kind.startswith(("halt.", "stop_loss.", "venue.")):
            self.load_status()
        elif kind == "producer.quarantined":
            self._say(quarantine_alert(message.event.payload), title="Quarantine",
                      severity="error", timeout=60)

    @on(QueueLoaded)
    def _queue_loaded(self, message: QueueLoaded) -> None:
        self.state.set_orders(message.orders, message.epoch, message.decisions)
        self._show_queue()
        shown = self.state.find(self.queue.highlighted_id or "")
        if shown is not None and (self._full is None or self._full.version != shown.version):
            self._load_highlighted_context()  # the detail must show the version listed
        if len(message.orders) >= PENDING_LIMIT:
            # Say so rather than let a capped list pass for the whole queue.
            self.queue.border_title = f"Pending approval: first {PENDING_LIMIT} shown, more wait"
        self._render_liveness()

    @on(IdentityLoaded)
    def _identity_loaded(self, message: IdentityLoaded) -> None:
        me = self.state.operator = message.me
        self.sub_title = f"{self.api.base_url} · {me.name} ({me.role})"
        self.refresh_bindings()  # the footer offers only what this role may do

    @on(StatusLoaded)
    def _status_loaded(self, message: StatusLoaded) -> None:
        self._status = status = message.status
        self.state.clock_offset = status.server_time - self.state.clock()
        self.state.halt = status.halt
        self.halt_banner.show(status.halt, status.halts)
        self.query_one(VenueBanner).show(status.venue_mismatches)
        self._render_status_line()

    @on(LimitsLoaded)
    def _limits_loaded(self, message: LimitsLoaded) -> None:
        threshold = message.limits.limits.get("dual_approval_notional")
        self.queue.dual_threshold = None if threshold is None else read_decimal(threshold)
        self.queue.invalidate()

    @on(PricesLoaded)
    def _prices_loaded(self, message: PricesLoaded) -> None:
        self.queue.mids = {p.symbol: p.mid for p in message.prices.prices}
        self.queue.invalidate()

    @on(OrderLoaded)
    def _order_loaded(self, message: OrderLoaded) -> None:
        if message.order.id == self.queue.highlighted_id:
            self._full = message.order
            self._render_detail()

    @on(ImpactLoaded)
    def _impact_loaded(self, message: ImpactLoaded) -> None:
        if message.impact.order_id == self.queue.highlighted_id:
            self._impact = message.impact
            self._render_detail()

    @on(HaltChanged)
    def _halt_changed(self, message: HaltChanged) -> None:
        if message.halt.scope == "global":
            self.state.halt = message.halt
            self.halt_banner.show(message.halt, self._status.halts if self._status else ())
        verb = "HALTED" if message.halt.halted else "resumed"
        self._say(f"Trading {verb}; confirmed by the gateway.", title="Halt")
        self.load_status()

    @on(Decided)
    def _decided(self, message: Decided) -> None:
        order = message.order
        self.state.in_flight.discard(order.id)
        if order.state == "pending_approval":  # edited, or the first of two approvals
            self.state.replace(order)
        else:
            self.state.confirm_decided(order.id)
        self._show_queue()
        title = message.verb.capitalize()
        if order.state == "pending_approval" and message.verb == "approved":
            text = (f"First approval recorded: {order_title(order)} (order {order.id}) needs a "
                    "second approval from a different operator.")
        else:
            text = (f"{title}: {order_title(order)} (order {order.id}). Gateway state: "
                    f"{order.state}, version {order.version}.")
        self._say(text, title=title)
        self.request_queue()
        self._load_highlighted_context()

    @on(RequestFailed)
    def _request_failed(self, message: RequestFailed) -> None:
        if message.order_id is not None:
            self.state.in_flight.discard(message.order_id)
            self.queue.mark_in_flight(message.order_id, in_flight=False)
            self._render_detail()
        self._say(explain(message.error, message.action), severity="error", timeout=15)
        if message.error.status in (404, 409, 422):
            self.request_queue()

    def _highlighted(self, order_id: str | None) -> None:
        self._impact = self._full = None
        self._render_detail()
        # Fetch the full order once the cursor rests: holding ↓ must not queue a fetch a row.
        if self._context_timer is not None:
            self._context_timer.stop()
        self._context_timer = self.set_timer(CONTEXT_DELAY_S, self._load_highlighted_context)

    # ---- rendering ----------------------------------------------------------------------

    def _load_highlighted_context(self) -> None:
        order_id = self.queue.highlighted_id
        if order_id is not None:
            self.load_context(order_id)

    def _show_queue(self) -> None:
        self.queue.show(self.state.orders, self.state.server_now(), self.state.in_flight)
        self._render_status_line()

    def _render_status_line(self) -> None:
        # The pending count is the live queue's, not the startup /v1/status figure.
        pending = len(self.state.orders)
        parts = [f"pending {pending}", f"selected {len(self.queue.selected)}"]
        if self._status is not None:
            parts = [f"venue {self._status.venue}", f"limits {self._status.limits_version}",
                     *parts, f"server time {when(self.state.server_now())}"]
            if self._status.stopped_symbols:
                # Past their stop level: only reducing orders pass until an operator clears.
                parts.insert(0, "REDUCE-ONLY (stop level): "
                                + ", ".join(self._status.stopped_symbols))
        threshold: Decimal | None = self.queue.dual_threshold
        if threshold is not None:
            parts.append(f"dual approval above {threshold}")
        self.query_one("#status-line", Static).update(" · ".join(parts))

    def _render_liveness(self) -> None:
        self.queue.set_class(not self.state.queue_fresh, "-stale")
        self._render_detail()

    def _render_detail(self) -> None:
        order_id = self.queue.highlighted_id
        order = None if order_id is None else self.state.find(order_id)
        blocked = None if order is None else self.state.blocked_reason(order)
        impact = self._impact if order is not None and self._impact is not None and (
            self._impact.order_id == order.id) else None
        full = self._full
        if order is not None and full is not None and (full.id, full.version) == (
                order.id, order.version):
            order = full  # same version, with every check and the rationale
        self.detail.show(order, blocked, self.state.server_now(), impact,
                         self.queue.dual_threshold)

    def _tick(self) -> None:
        self.queue.tick(self.state.server_now())
        self._render_detail()
        self._render_status_line()
