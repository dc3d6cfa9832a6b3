"""OrderDetail: everything the trader needs to decide on one order, checks first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from gateway.api.desk_schemas import ImpactOut, QueueOrderOut, UsageOut
from gateway.api.schemas import OrderOut
from gateway.domain.money import fmt
from tui.format import check_line, countdown, order_title, seconds_left, when
from tui.widgets.queue_rows import needs_dual

BAR_WIDTH = 12


class OrderDetail(Static):
    """Its height only grows (to the tallest order shown so far): a layout pass costs more
    than the rest of a keypress, and a fixed height needs none when the content changes."""

    DEFAULT_CSS = "OrderDetail { height: 1; }"
    _allocated = 1
    shown_id: str | None = None  # the order on display, for tests and the benchmark

    def show(
        self,
        order: OrderOut | None,
        blocked: str | None,
        server_now: datetime,
        impact: ImpactOut | None = None,
        dual_threshold: Decimal | None = None,
    ) -> None:
        lines = _render(order, blocked, server_now, impact, dual_threshold)
        width = max(1, self.content_region.width)
        needed = sum(len(line.wrap(self.app.console, width)) for line in lines)
        if needed > self._allocated:
            self._allocated = needed
            self.styles.height = needed  # the one case that needs a layout pass
        self.update(Group(*lines), layout=False)
        self.shown_id = None if order is None else order.id


def usage_bar(usage: UsageOut) -> Text:
    """`name [██████····] 62%` in green under 70 %, amber under 90 %, red from 90 %."""
    fraction = max(Decimal(0), usage.fraction)
    filled = min(BAR_WIDTH, int(fraction * BAR_WIDTH))
    style = "green" if fraction < Decimal("0.7") else ("yellow" if fraction < Decimal("0.9")
                                                        else "bold red")
    return Text.assemble(
        (f"{usage.name:<22} ", ""), ("█" * filled, style), ("·" * (BAR_WIDTH - filled), "dim"),
        (f" {fraction * 100:.0f}% {fmt(usage.used)}/{fmt(usage.limit)}", style),
    )


def _arrow(now: Decimal | None, after: Decimal | None) -> str:
    return f"{'-' if now is None else fmt(now)} → {'-' if after is None else fmt(after)}"


def _impact_lines(impact: ImpactOut | None) -> list[Text]:
    if impact is None:
        return [Text("Position and exposure: loading or not available", style="dim")]
    lines: list[Text] = [
        Text("If it fills", style="bold underline"),
        Text(f"position {_arrow(impact.position_now, impact.position_after)} "
             f"(other orders on this side: {fmt(impact.reserved_same_side)})"),
        Text(f"exposure {_arrow(impact.exposure_now, impact.exposure_after)} "
             f"at mark {'-' if impact.mark_price is None else fmt(impact.mark_price)}"),
    ]
    lines += [usage_bar(u) for u in impact.usage]
    p = impact.producer
    if p is not None:
        lines += [
            Text(""),
            Text(f"Producer {p.name} ({p.status}), answered for by {p.principal}",
                 style="bold underline"),
            Text(f"proposals {p.proposals} · approvals {p.approvals} · denials {p.denials} · "
                 f"rejected {p.rejections} · last hour {p.proposals_last_hour} · "
                 f"PnL of fills {fmt(p.filled_pnl)}"),
        ]
        lines += [Text(f"violation {when(v.at)} {v.order_id}: {v.reason or '-'}", style="yellow")
                  for v in p.recent_violations[:3]]
    return lines


def _render(
    order: OrderOut | None,
    blocked: str | None,
    server_now: datetime,
    impact: ImpactOut | None,
    dual_threshold: Decimal | None,
) -> list[Text]:
    if order is None:
        return [Text("No order selected. Pending orders appear on the left.", style="dim")]
    limits = order.limits_version or "-"
    notional = "-" if order.notional is None else fmt(order.notional)
    # Text objects, not markup: producer-supplied rationale must not be able to style itself.
    lines: list[Text] = [
        Text(order_title(order), style="bold"),
        Text(f"order {order.id} · from {order.producer} · version {order.version}"),
        Text(f"notional {notional} · type {order.type} · limits {limits}"),
        Text(f"expires {when(order.expires_at)} (in {countdown(seconds_left(order, server_now))})"),
    ]
    if order.origin == "system":
        lines.insert(1, Text("PROTECTIVE EXIT raised by the gateway: the position reached its "
                             "stop level (figures in the rationale and the audit trail)",
                             style="bold white on red"))
    if needs_dual(order, dual_threshold):
        first = (f"first approval by {order.approved_by}; a different operator must approve"
                 if order.approved_by else "no approval yet")
        lines.append(Text(f"DUAL APPROVAL (above {dual_threshold}): {first}",
                          style="bold magenta"))
    if isinstance(order, QueueOrderOut):  # the queue's summary; the full order is on its way
        lines += [Text(""), Text(f"Checks ({order.checks_total}, {order.checks_failed} failing)",
                                 style="bold underline"),
                  Text("loading every check...", style="dim")]
    else:
        lines += [Text(""), Text(f"Checks ({len(order.checks)})", style="bold underline")]
        lines += [check_line(c) for c in order.checks] or [Text("none reported", style="dim")]
    confidence = "-" if order.confidence is None else fmt(order.confidence)
    lines += [
        Text(""),
        Text(f"Rationale (confidence {confidence})", style="bold underline"),
        Text(order.rationale or "none given", style="" if order.rationale else "dim"),
        Text(""),
        *_impact_lines(impact),
        Text(""),
    ]
    if blocked:
        lines.append(Text(f"Not actionable: {blocked}", style="bold yellow"))
    else:
        lines.append(Text(f"a approves version {order.version} · d denies · e edits · "
                          "space selects", style="bold"))
    return lines
