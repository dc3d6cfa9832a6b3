"""One queue row as fixed-width text: pure, so the virtual queue renders only what is seen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from rich.text import Text

from gateway.api.schemas import OrderOut
from gateway.domain.money import fmt
from tui.format import checks_summary, countdown, seconds_left

# (header, width, right-aligned)
COLUMNS: list[tuple[str, int, bool]] = [
    ("", 1, False),
    ("expires", 7, True),
    ("2op", 3, False),
    ("producer", 12, False),
    ("symbol", 9, False),
    ("side", 4, False),
    ("qty", 9, True),
    ("limit", 9, True),
    ("notional", 9, True),
    ("bps", 6, True),
    ("checks", 6, False),
]
SELECTED, IN_FLIGHT, SYSTEM = "●", "…", "!"
# A protective exit the gateway raised itself (a position reached its stop level): it sorts
# first and looks unlike any bot's order.
SYSTEM_PRODUCER_CELL = ("STOP EXIT", "bold white on red")


@dataclass(frozen=True)
class RowContext:
    """What a row needs beyond the order itself."""

    server_now: datetime
    mids: Mapping[str, Decimal]
    dual_threshold: Decimal | None
    in_flight: frozenset[str] | set[str]
    selected: frozenset[str] | set[str]


def header() -> Text:
    return _join([(label, "bold") for label, _, _ in COLUMNS])


def needs_dual(order: OrderOut, threshold: Decimal | None) -> bool:
    if threshold is None:
        return False
    return order.notional is None or order.notional > threshold


def distance_bps(order: OrderOut, mid: Decimal | None) -> Decimal | None:
    """How far the limit sits from the mid, in basis points (+ above, - below)."""
    if order.limit_price is None or mid is None or mid == 0:
        return None
    return (order.limit_price - mid) / mid * 10_000


def dual_badge(order: OrderOut, threshold: Decimal | None) -> tuple[str, str]:
    if not needs_dual(order, threshold):
        return "", ""
    # Approvals given of the two needed.
    return ("1/2", "bold yellow") if order.approved_by else ("0/2", "bold magenta")


def row(order: OrderOut, ctx: RowContext) -> Text:
    left = seconds_left(order, ctx.server_now)
    ttl_style = "bold red" if left < 60 else ("yellow" if left < 300 else "")
    system = order.origin == "system"
    flag = IN_FLIGHT if order.id in ctx.in_flight else (
        SELECTED if order.id in ctx.selected else (SYSTEM if system else ""))
    bps = distance_bps(order, ctx.mids.get(order.symbol))
    failed = checks_summary(order).startswith("✘")
    return _join([
        (flag, "bold red" if flag == SYSTEM else "bold cyan"),
        (countdown(left), ttl_style),
        dual_badge(order, ctx.dual_threshold),
        SYSTEM_PRODUCER_CELL if system else (order.producer, ""),
        (order.symbol, "bold"),
        (order.side, "green" if order.side == "buy" else "red"),
        (fmt(order.quantity), ""),
        ("market" if order.limit_price is None else fmt(order.limit_price), ""),
        ("-" if order.notional is None else fmt(order.notional), ""),
        ("-" if bps is None else f"{bps:+.1f}", ""),
        (checks_summary(order), "red" if failed else "green"),
    ])


def _join(cells: list[tuple[str, str]]) -> Text:
    line = Text(no_wrap=True, overflow="crop")
    for (value, style), (_, width, right) in zip(cells, COLUMNS, strict=True):
        cell = value[:width]
        pad = " " * (width - len(cell))
        line.append(pad + cell if right else cell + pad, style=style)
        line.append(" ")
    return line
