"""OverviewScreen: positions and PnL with limit use, producers, and the audit tail.

Read-only. It refreshes every couple of seconds while open (these figures move with prices
as much as with events); the pending queue, which must be live, stays on the desk screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
)

from gateway.api.desk_schemas import PnlOut, ProducersOut, UtilisationOut
from gateway.api.schemas import AuditPage, PositionsOut
from gateway.domain.money import fmt
from tui.client import DeskApi, DeskError
from tui.explain import explain
from tui.format import when
from tui.widgets.detail import usage_bar

REFRESH_S = 2.0
FILTER_KEYS = {"order": "order_id", "producer": "producer", "operator": "operator"}


@dataclass(frozen=True)
class Overview:
    positions: PositionsOut
    pnl: PnlOut
    usage: UtilisationOut
    producers: ProducersOut
    audit: AuditPage


class OverviewLoaded(Message):
    def __init__(self, overview: Overview) -> None:
        super().__init__()
        self.overview = overview


def parse_filter(text: str) -> dict[str, str] | str:
    """`order:ID producer:NAME operator:NAME` (any subset) to query parameters, or an error."""
    out: dict[str, str] = {}
    for word in text.split():
        key, sep, value = word.partition(":")
        if not sep or key not in FILTER_KEYS or not value:
            return f"{word!r}: filter with order:ID, producer:NAME or operator:NAME"
        out[FILTER_KEYS[key]] = value
    return out


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back to queue", id="close"),
        Binding("o", "close", "Back", show=False),
        Binding("slash", "filter", "Filter audit", id="filter"),
    ]

    def __init__(self, api: DeskApi) -> None:
        super().__init__()
        self.api = api
        self.filters: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="overview"):
            with TabPane("Positions & PnL", id="tab-pnl"):
                yield Static(id="positions")
                yield Static("Session PnL (realized after each fill, then now incl. unrealized)")
                yield Sparkline([], id="pnl-chart")
                yield Static(id="usage")
            with TabPane("Producers", id="tab-producers"):
                yield DataTable(id="producers", cursor_type="row")
            with TabPane("Audit tail", id="tab-audit"):
                yield Input(placeholder="filter: order:ID producer:NAME operator:NAME",
                            id="audit-filter")
                yield DataTable(id="audit", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#producers", DataTable).add_columns(
            "producer", "principal", "status", "last hour", "proposals", "approved", "denied",
            "rejected", "pending", "PnL of fills", "recent violations")
        self.query_one("#audit", DataTable).add_columns(
            "seq", "time", "kind", "actor", "order", "reason")
        self.load()
        self.set_interval(REFRESH_S, self.load)

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_filter(self) -> None:
        self.query_one(TabbedContent).active = "tab-audit"
        self.query_one("#audit-filter", Input).focus()

    @on(Input.Submitted, "#audit-filter")
    def _filter(self, event: Input.Submitted) -> None:
        parsed = parse_filter(event.value)
        if isinstance(parsed, str):
            self.notify(parsed, severity="warning", markup=False)
            return
        self.filters = parsed
        self.load()

    @work(exclusive=True, group="overview")
    async def load(self) -> None:
        try:
            overview = Overview(
                await self.api.positions(), await self.api.pnl(), await self.api.utilisation(),
                await self.api.producers(), await self.api.audit_tail(self.filters))
        except DeskError as err:
            self.notify(explain(err, "load the overview"), severity="error", markup=False)
            return
        self.post_message(OverviewLoaded(overview))

    @on(OverviewLoaded)
    def _loaded(self, message: OverviewLoaded) -> None:
        o = message.overview
        lines = [Text(f"{'symbol':<12}{'qty':>14}{'avg':>14}{'mark':>14}{'realized':>14}"
                      f"{'unrealized':>14}", style="bold")]
        for p in o.positions.positions:
            lines.append(Text(f"{p.symbol:<12}{fmt(p.quantity):>14}{_m(p.average_price):>14}"
                              f"{_m(p.mark_price):>14}{fmt(p.realized_pnl):>14}"
                              f"{_m(p.unrealized_pnl):>14}"))
        lines.append(Text(f"{'total':<54}{fmt(o.positions.realized_pnl):>14}"
                          f"{fmt(o.positions.unrealized_pnl):>14}", style="bold"))
        self.query_one("#positions", Static).update(Text("\n").join(lines))
        self.query_one("#pnl-chart", Sparkline).data = [float(p.total) for p in o.pnl.points]
        bars = [Text("Limit use", style="bold underline")] + [usage_bar(u) for u in o.usage.usage]
        self.query_one("#usage", Static).update(Text("\n").join(bars))
        self._fill_producers(o.producers)
        self._fill_audit(o.audit)

    def _fill_producers(self, producers: ProducersOut) -> None:
        table = self.query_one("#producers", DataTable)
        table.clear()
        for p in producers.producers:
            status_style = "green" if p.status == "active" else "bold red"
            violations = "; ".join(f"{v.order_id}: {v.reason or '-'}" for v in
                                   p.recent_violations[:2])
            table.add_row(p.name, p.principal, Text(p.status, style=status_style),
                          str(p.proposals_last_hour), str(p.proposals), str(p.approvals),
                          str(p.denials), str(p.rejections), str(p.pending),
                          fmt(p.filled_pnl), Text(violations or "-"), key=p.name)

    def _fill_audit(self, page: AuditPage) -> None:
        table = self.query_one("#audit", DataTable)
        table.clear()
        for e in page.events:
            table.add_row(str(e.seq), when(e.ts), e.kind, e.actor, e.order_id or "-",
                          Text(e.reason or ""), key=str(e.seq))


def _m(value: Decimal | None) -> str:
    return "-" if value is None else fmt(value)
