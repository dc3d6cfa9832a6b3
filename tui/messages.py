"""Messages the desk's workers post back to the screen: I/O results, never widget pokes."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from gateway.api.desk_schemas import ImpactOut, LimitsOut, MeOut
from gateway.api.schemas import AuditEventOut, HaltOut, OrderOut, PricesOut, StatusOut
from tui.client import DeskError


class QueueLoaded(Message):
    """The pending queue as fetched; `epoch` is the feed epoch and `decisions` the
    decision clock when the fetch began."""

    def __init__(self, orders: Sequence[OrderOut], epoch: int, decisions: int = 0) -> None:
        super().__init__()
        self.orders = orders
        self.epoch = epoch
        self.decisions = decisions


class OrderLoaded(Message):
    """One order in full (every check), for the detail pane."""

    def __init__(self, order: OrderOut) -> None:
        super().__init__()
        self.order = order


class ImpactLoaded(Message):
    def __init__(self, impact: ImpactOut) -> None:
        super().__init__()
        self.impact = impact


class PricesLoaded(Message):
    def __init__(self, prices: PricesOut) -> None:
        super().__init__()
        self.prices = prices


class LimitsLoaded(Message):
    def __init__(self, limits: LimitsOut) -> None:
        super().__init__()
        self.limits = limits


class StatusLoaded(Message):
    def __init__(self, status: StatusOut) -> None:
        super().__init__()
        self.status = status


class IdentityLoaded(Message):
    """The gateway said whose token the desk holds, and its role."""

    def __init__(self, me: MeOut) -> None:
        super().__init__()
        self.me = me


class HaltChanged(Message):
    """The server confirmed a halt or a resume."""

    def __init__(self, halt: HaltOut) -> None:
        super().__init__()
        self.halt = halt


class Decided(Message):
    """The server confirmed an approval or denial."""

    def __init__(self, order: OrderOut, verb: str) -> None:
        super().__init__()
        self.order = order
        self.verb = verb


class RequestFailed(Message):
    """A call failed; `action` completes "Could not ..."."""

    def __init__(self, action: str, error: DeskError, order_id: str | None = None) -> None:
        super().__init__()
        self.action = action
        self.error = error
        self.order_id = order_id


class FeedUp(Message):
    """The event stream is connected."""


class FeedDown(Message):
    def __init__(self, reason: str, retry_in: float) -> None:
        super().__init__()
        self.reason = reason
        self.retry_in = retry_in


class AuditReceived(Message):
    def __init__(self, event: AuditEventOut) -> None:
        super().__init__()
        self.event = event
