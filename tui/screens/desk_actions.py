"""DeskActions: what the trader's keys do. Actions open prompts and start workers; no I/O.

Every decision first passes `DeskState.blocked_reason`, so a stale, expired or in-flight
order is never sent; batch actions apply it to each explicitly selected order.
"""

from __future__ import annotations

from functools import partial

from textual.notifications import SeverityLevel

from gateway.api.schemas import OrderOut
from tui.format import order_title
from tui.screens.desk_io import DeskIO
from tui.screens.edit import Edit, EditModal
from tui.screens.help import HelpScreen
from tui.screens.overview import OverviewScreen
from tui.screens.reason import ReasonModal
from tui.widgets import OrderDetail, OrderQueue


class DeskActions(DeskIO):
    @property
    def queue(self) -> OrderQueue:
        return self.query_one("#queue", OrderQueue)

    @property
    def detail(self) -> OrderDetail:
        return self.query_one("#detail", OrderDetail)

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
        self.app.push_screen(modal, callback=partial(self._deny_with_reason, [order]))

    def action_edit(self) -> None:
        order = self._actionable_order()
        if order is not None:
            self.app.push_screen(EditModal(order), callback=partial(self._edit_with, order))

    def action_approve_selected(self) -> None:
        for order in self._selected_actionable("approve"):
            self._begin(order)
            self._send_approve(order.id, order.version)

    def action_deny_selected(self) -> None:
        orders = self._selected_actionable("deny")
        if not orders:
            return
        modal = ReasonModal(
            f"Deny {len(orders)} selected order(s)?",
            "The same reason goes back to each bot: " + ", ".join(o.id for o in orders),
            f"Deny {len(orders)}",
            danger=False,
        )
        self.app.push_screen(modal, callback=partial(self._deny_with_reason, orders))

    def action_halt(self) -> None:
        modal = ReasonModal(
            "Halt ALL trading?",
            "No order will be sent to the venue until a risk officer or admin resumes.",
            "Halt trading",
            danger=True,
        )
        self.app.push_screen(modal, callback=partial(self._halt_with_reason, True))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # R is bound twice (DeskScreen.BINDINGS): `resume`, shown in the footer, for whoever
        # may resume (or whose role is not known yet), and `resume_refused`, never shown, which
        # says why for the others. Exactly one of them is active at a time.
        if action == "resume":
            return self.state.resume_refusal() is None
        if action == "resume_refused":
            return self.state.resume_refusal() is not None
        return True

    def action_resume_refused(self) -> None:
        if (why := self.state.resume_refusal()) is not None:
            self._say(why, title="Resume", severity="warning", timeout=10)

    def action_resume(self) -> None:
        if self.state.resume_refusal() is not None:  # the role arrived after the key press
            self.action_resume_refused()
            return
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
        self.load_market()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.state.operator))

    def action_overview(self) -> None:
        self.app.push_screen(OverviewScreen(self.api))

    # ---- prompt callbacks ---------------------------------------------------------------

    def _deny_with_reason(self, orders: list[OrderOut], reason: str | None) -> None:
        if reason is None:
            return
        for order in orders:
            # Re-check: the stream may have dropped while the prompt was open.
            if not self._refuse_if_blocked(order):
                self._begin(order)
                self._send_deny(order.id, reason, order.version)

    def _edit_with(self, order: OrderOut, edit: Edit | None) -> None:
        if edit is not None and not self._refuse_if_blocked(order):
            self._begin(order)
            self._send_edit(order.id, order.version, edit.quantity, edit.limit_price)

    def _halt_with_reason(self, halt: bool, reason: str | None) -> None:
        if reason is not None:
            self._send_halt(halt, reason)

    # ---- helpers ------------------------------------------------------------------------

    def _selected_actionable(self, verb: str) -> list[OrderOut]:
        """The explicitly selected orders that may be decided now; never "all"."""
        chosen = [o for o in self.state.orders if o.id in self.queue.selected]
        if not chosen:
            self._say(f"No order selected: press space on each order to {verb}, then "
                      f"{'A' if verb == 'approve' else 'D'}.", severity="warning")
            return []
        ready = [o for o in chosen if self.state.blocked_reason(o) is None]
        if len(ready) < len(chosen):
            skipped = len(chosen) - len(ready)
            self._say(f"{skipped} selected order(s) cannot be decided now and were left out.",
                      severity="warning", timeout=10)
        self.queue.selected -= {o.id for o in ready}
        return ready

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

    def _render_detail(self) -> None:
        raise NotImplementedError  # DeskScreen renders
