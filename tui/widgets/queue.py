"""OrderQueue: the pending orders, soonest expiry first, rendering only the visible rows.

A DataTable lays out every row on start (about 2 s for 10,000 orders); this widget keeps
the orders in a list and builds the few lines on screen on demand (the Line API), so the
first paint and each key cost the same with 10 or 10,000 orders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gateway.api.schemas import OrderOut
from tui.widgets.queue_rows import COLUMNS, RowContext, header, row

WIDTH = sum(width + 1 for _, width, _ in COLUMNS)
CURSOR = Style(reverse=True, bold=True)


class OrderQueue(ScrollView, can_focus=True):
    """Keyboard: ↑/↓, page up/down, home/end move; space selects. Mouse: click a row."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("space", "toggle_select", "Select", id="select",
                tooltip="Select or unselect for a batch approve/deny"),
    ]

    class Highlighted(Message):
        def __init__(self, order_id: str | None) -> None:
            super().__init__()
            self.order_id = order_id

    # Called synchronously on every cursor change when set (else Highlighted is posted), so
    # the detail is updated in the same frame as the cursor: one frame per key, not two.
    highlight_listener: Callable[[str | None], None] | None = None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._orders: list[OrderOut] = []
        self.cursor = 0
        self.selected: set[str] = set()
        self._in_flight: set[str] = set()
        self._now = datetime.now(UTC)
        self.mids: Mapping[str, Decimal] = {}
        self.dual_threshold: Decimal | None = None
        # Rendered rows by index; cleared whenever anything but the cursor changes.
        self._lines: dict[int, Strip] = {}
        self._lines_env: tuple[int, int] = (0, 0)

    # ---- the state it shows ----------------------------------------------------------

    @property
    def order_ids(self) -> list[str]:
        return [o.id for o in self._orders]

    @property
    def highlighted_id(self) -> str | None:
        return self._orders[self.cursor].id if self._orders else None

    def show(self, orders: list[OrderOut], server_now: datetime, in_flight: set[str]) -> None:
        previous_id, previous_row = self.highlighted_id, self.cursor
        self._orders, self._now, self._in_flight = orders, server_now, in_flight
        ids = {o.id: i for i, o in enumerate(orders)}
        self.selected &= ids.keys()  # a decided or expired order cannot stay selected
        # Stay on the same order if it is still there, else on the same position.
        row_ = ids.get(previous_id) if previous_id is not None else None
        self.cursor = row_ if row_ is not None else max(0, min(previous_row, len(orders) - 1))
        self.virtual_size = Size(WIDTH, len(orders) + 1)
        self.border_title = f"Pending approval: {len(orders)}"
        self._follow_cursor()
        self.invalidate()
        self._announce()

    def tick(self, server_now: datetime) -> None:
        self._now = server_now
        self.invalidate()

    def mark_in_flight(self, order_id: str, in_flight: bool) -> None:
        self.invalidate()  # the set is shared with DeskState; only the paint is stale

    def invalidate(self) -> None:
        """Repaint every visible row (prices, threshold, selection or time changed)."""
        self._lines.clear()
        self.refresh()

    # ---- keys and mouse --------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(1, self._visible_rows() - 1))

    def action_jump(self, where: int) -> None:
        self._move(len(self._orders) - 1 if where < 0 else 0)

    def action_toggle_select(self) -> None:
        order_id = self.highlighted_id
        if order_id is not None:
            self.selected ^= {order_id}
            self._repaint_row(self.cursor)

    def on_focus(self) -> None:
        self.invalidate()

    def on_blur(self) -> None:
        self.invalidate()

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move(int(self.scroll_offset.y) + event.y - 1)

    def _move(self, target: int) -> None:
        if not self._orders:
            return
        target = max(0, min(target, len(self._orders) - 1))
        if target != self.cursor:
            previous, self.cursor = self.cursor, target
            if self._follow_cursor():
                self.invalidate()
            else:  # only the two rows whose cursor mark changed are painted again
                self._repaint_row(previous)
                self._repaint_row(target)
            self._announce()

    def _announce(self) -> None:
        if self.highlight_listener is not None:
            self.highlight_listener(self.highlighted_id)
        else:
            self.post_message(self.Highlighted(self.highlighted_id))

    def _repaint_row(self, index: int) -> None:
        self._lines.pop(index, None)
        self.refresh_line(index + 1)  # + 1: the header line

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _follow_cursor(self) -> bool:
        """Scroll so the cursor row is visible; True if it scrolled."""
        top, rows = int(self.scroll_offset.y), self._visible_rows()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)
        else:
            return False
        return True

    # ---- the Line API: only visible lines are ever built -------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = int(self.scroll_offset.x), int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        if self._lines_env != (width, scroll_x):
            self._lines_env = (width, scroll_x)
            self._lines.clear()
        index = scroll_y + y - 1  # line 0 is the header, which stays put while rows scroll
        cached = self._lines.get(index) if y else None
        if cached is not None:
            return cached
        base = self.rich_style
        if y == 0:
            text = header()
        elif index >= len(self._orders):
            return Strip.blank(width, base)
        else:
            ctx = RowContext(self._now, self.mids, self.dual_threshold, self._in_flight,
                             self.selected)
            text = row(self._orders[index], ctx)
            if index == self.cursor:
                text.stylize(CURSOR if self.has_focus else Style(underline=True))
        strip = Strip(text.render(self.app.console), text.cell_len)
        strip = strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)
        if y:
            self._lines[index] = strip
        return strip
