"""OrderQueue: the pending orders, soonest expiry first, with a live countdown."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable

from gateway.api.schemas import OrderOut
from gateway.domain.money import fmt
from tui.format import checks_summary, countdown, seconds_left

_COLUMNS = [
    ("", "flag"),
    ("expires in", "ttl"),
    ("producer", "producer"),
    ("symbol", "symbol"),
    ("side", "side"),
    ("qty", "qty"),
    ("limit", "limit"),
    ("notional", "notional"),
    ("checks", "checks"),
]
IN_FLIGHT = "…"


class OrderQueue(DataTable[Text]):
    """Rows are keyed by order id, so the cursor follows an order across refreshes."""

    class Highlighted(Message):
        def __init__(self, order_id: str | None) -> None:
            super().__init__()
            self.order_id = order_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._orders: dict[str, OrderOut] = {}

    def on_mount(self) -> None:
        for label, key in _COLUMNS:
            self.add_column(label, key=key)

    @property
    def highlighted_id(self) -> str | None:
        if not self._orders or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def show(self, orders: list[OrderOut], server_now: datetime, in_flight: set[str]) -> None:
        previous_id, previous_row = self.highlighted_id, self.cursor_row
        self._orders = {o.id: o for o in orders}
        self.clear()
        for order in orders:
            self.add_row(*self._cells(order, server_now, order.id in in_flight), key=order.id)
        ids = [o.id for o in orders]
        if ids:
            # Stay on the same order if it is still there, else on the same position.
            row = ids.index(previous_id) if previous_id in ids else min(previous_row, len(ids) - 1)
            self.move_cursor(row=max(row, 0))
        self.border_title = f"Pending approval: {len(orders)}"
        self.post_message(self.Highlighted(self.highlighted_id))

    def tick(self, server_now: datetime) -> None:
        for order in self._orders.values():
            self.update_cell(order.id, "ttl", _ttl(order, server_now))

    def mark_in_flight(self, order_id: str, in_flight: bool) -> None:
        if order_id in self._orders:
            self.update_cell(order_id, "flag", Text(IN_FLIGHT if in_flight else ""))

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(event.row_key.value))

    @staticmethod
    def _cells(order: OrderOut, server_now: datetime, in_flight: bool) -> list[Text]:
        side_style = "green" if order.side == "buy" else "red"
        price = "market" if order.limit_price is None else fmt(order.limit_price)
        return [
            Text(IN_FLIGHT if in_flight else ""),
            _ttl(order, server_now),
            Text(order.producer),
            Text(order.symbol, style="bold"),
            Text(order.side, style=side_style),
            Text(fmt(order.quantity), justify="right"),
            Text(price, justify="right"),
            Text(fmt(order.notional), justify="right"),
            Text(checks_summary(order)),
        ]


def _ttl(order: OrderOut, server_now: datetime) -> Text:
    left = seconds_left(order, server_now)
    style = "bold red" if left < 60 else ("yellow" if left < 300 else "")
    return Text(countdown(left), style=style, justify="right")
