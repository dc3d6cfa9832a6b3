"""OrderDetail: everything the trader needs to decide on one order, checks first."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from gateway.api.schemas import OrderOut
from gateway.domain.money import fmt
from tui.format import check_line, countdown, order_title, seconds_left, when


class OrderDetail(Static):
    def show(self, order: OrderOut | None, blocked: str | None, server_now: datetime) -> None:
        self.update(_render(order, blocked, server_now))


def _render(order: OrderOut | None, blocked: str | None, server_now: datetime) -> RenderableType:
    if order is None:
        return Text("No order selected. Pending orders appear on the left.", style="dim")
    limits = order.limits_version or "-"
    # Text objects, not markup: producer-supplied rationale must not be able to style itself.
    lines: list[RenderableType] = [
        Text(order_title(order), style="bold"),
        Text(f"order {order.id} · from {order.producer} · version {order.version}"),
        Text(f"notional {fmt(order.notional)} · type {order.type} · limits {limits}"),
        Text(f"expires {when(order.expires_at)} (in {countdown(seconds_left(order, server_now))})"),
        Text(""),
        Text(f"Checks ({len(order.checks)})", style="bold underline"),
    ]
    lines += [check_line(c) for c in order.checks] or [Text("none reported", style="dim")]
    confidence = "-" if order.confidence is None else fmt(order.confidence)
    lines += [
        Text(""),
        Text(f"Rationale (confidence {confidence})", style="bold underline"),
        Text(order.rationale or "none given", style="" if order.rationale else "dim"),
        Text(""),
    ]
    if blocked:
        lines.append(Text(f"Not actionable: {blocked}", style="bold yellow"))
    else:
        lines.append(Text(f"a approves version {order.version} · d denies", style="bold"))
    return Group(*lines)
