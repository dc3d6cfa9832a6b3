"""What the desk believes, and the one rule deciding whether an order may be acted on.

Kept free of Textual so the rule is a plain function with plain tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from gateway.api.desk_schemas import MeOut
from gateway.api.schemas import HaltOut, OrderOut

# Who may resume trading (POST /v1/resume). The gateway decides and refuses the rest; the
# desk only stops offering what would be refused.
RESUME_ROLES = frozenset({"risk", "admin"})


@dataclass
class DeskState:
    """The desk's view of the gateway. Only the HTTP replies and the event stream change it."""

    orders: list[OrderOut] = field(default_factory=list)
    halt: HaltOut | None = None
    # Whose token this is (GET /v1/me); None until the gateway has said.
    operator: MeOut | None = None
    feed_up: bool = False
    # Bumped whenever the stream connects or drops, so a queue fetched before a drop
    # cannot be mistaken for a fresh one.
    feed_epoch: int = 0
    queue_epoch: int = -1
    in_flight: set[str] = field(default_factory=set)
    # server clock minus local clock, learned from /v1/status, for honest countdowns.
    clock_offset: timedelta = timedelta(0)
    # The local clock; replaceable so snapshot tests render fixed countdowns.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Ticks on every decision the gateway confirms; `decided` maps an order to the tick of
    # its confirmation, so a queue fetched before it cannot bring the order back.
    decision_clock: int = 0
    decided: dict[str, int] = field(default_factory=dict)

    @property
    def queue_fresh(self) -> bool:
        """The queue was fetched while the current stream connection was up."""
        return self.feed_up and self.queue_epoch == self.feed_epoch

    def server_now(self, local_now: datetime | None = None) -> datetime:
        return (local_now or self.clock()) + self.clock_offset

    def feed_changed(self, up: bool) -> None:
        self.feed_up = up
        self.feed_epoch += 1

    def find(self, order_id: str) -> OrderOut | None:
        return next((o for o in self.orders if o.id == order_id), None)

    def set_orders(self, orders: Sequence[OrderOut], epoch: int, decisions: int = 0) -> None:
        """`decisions` is the decision clock when the fetch began."""
        fresh = [o for o in orders if self.decided.get(o.id, -1) <= decisions]
        # Protective exits the gateway raised first, then the soonest expiry: those are the
        # decisions that cannot wait.
        self.orders = sorted(fresh, key=lambda o: (o.origin != "system", o.expires_at,
                                                   o.created_at, o.id))
        self.queue_epoch = epoch

    def confirm_decided(self, order_id: str) -> None:
        """The gateway confirmed this order left the queue: drop it, and keep it out."""
        self.decision_clock += 1
        self.decided[order_id] = self.decision_clock
        self.drop(order_id)

    def drop(self, order_id: str) -> None:
        self.orders = [o for o in self.orders if o.id != order_id]

    def replace(self, order: OrderOut) -> None:
        """A newer version confirmed by the gateway (an edit, a first approval)."""
        self.orders = [order if o.id == order.id else o for o in self.orders]

    def blocked_reason(self, order: OrderOut, local_now: datetime | None = None) -> str | None:
        """Why this order may not be approved or denied right now, or None if it may."""
        if not self.feed_up:
            return (
                "Disconnected from the gateway's event stream, so this queue may be stale. "
                "Wait for the desk to reconnect (the banner clears), then decide."
            )
        if not self.queue_fresh:
            return "The queue is being refreshed after reconnecting; try again in a moment."
        if order.id in self.in_flight:
            return "A decision on this order is already on its way; wait for the gateway's reply."
        if order.expires_at <= self.server_now(local_now):
            return "This order has expired; the gateway will no longer accept a decision on it."
        return None

    def resume_refusal(self) -> str | None:
        """Why this operator may not resume trading, or None if they may or their role is not
        known yet (then the gateway decides, and a refusal is explained like any other)."""
        who = self.operator
        if who is None or who.role in RESUME_ROLES:
            return None
        return (f"Only a risk officer or admin may resume trading; this desk is signed in as "
                f"{who.name} (role: {who.role}). Ask one of them to resume (`gateway resume`).")
