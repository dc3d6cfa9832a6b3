"""Benchmark `desk`: the approval desk with 10,000 pending orders, headless, in process.

Subject: DeskApp (virtual queue) fed by an in-memory gateway API (httpx.MockTransport, the
replies pre-serialised so the figures are the desk's own). Baseline: a plain DataTable of
the same 10,000 rows, the widget the first desk used.
Figures: time to first paint (start to the first frame showing the filled queue) and
keypress to the finished frame showing its effect (for the desk: the cursor moved and the
detail shows that order; the frame's terminal output is rendered, as a terminal would get
it), p50 and p99 over ↓/↑ presses. Goals: first paint ≤ 1 s, key p99 ≤ 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from rich.console import RenderableType
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable

from scripts.benchmarks.harness import Benchmark, Context, Goal, Row
from tui.app import DeskApp
from tui.client import DeskApi
from tui.screens.desk import DeskScreen

ORDERS = 10_000
KEYS = 200
SIZE = (160, 45)


def _orders() -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [{
        "id": f"ord-{i:05d}", "producer": f"bot-{i % 7}", "symbol": "BTC/USDT", "side": "buy",
        "type": "limit", "quantity": "0.01", "limit_price": str(60_000 + i), "state":
        "pending_approval", "version": 1, "created_at": now.isoformat(),
        "updated_at": now.isoformat(), "expires_at": (now + timedelta(seconds=600 + i)).isoformat(),
        "filled_quantity": "0", "average_fill_price": None, "fees": "0",
        "notional": str((60_000 + i) / 100), "reason": None, "idempotency_key": None,
        "client_order_id": None, "venue_order_id": None, "limits_version": "v1",
        "rationale": "bench", "confidence": "0.5", "approved_by": None, "checks": [],
        "checks_failed": 0, "checks_total": 19,
    } for i in range(ORDERS)]  # fmt: skip


def transport(orders: list[dict[str, Any]]) -> httpx.MockTransport:
    queue = json.dumps({"orders": orders}).encode()
    by_id = {o["id"]: json.dumps({k: v for k, v in o.items() if not k.startswith("checks_")})
             for o in orders}
    status = json.dumps({"halt": {"halted": False, "reason": None, "actor": None, "since": None},
                         "orders_by_state": {"pending_approval": ORDERS}, "limits_version": "v1",
                         "venue": "paper", "server_time": datetime.now(UTC).isoformat()})

    async def stream() -> AsyncIterator[bytes]:
        yield b": connected\n\n"
        await asyncio.Event().wait()  # live and silent until the app closes

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/events":
            return httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  content=stream())
        if path == "/v1/desk/queue":
            return httpx.Response(200, content=queue)
        if path == "/v1/status":
            return httpx.Response(200, content=status)
        if path.startswith("/v1/orders/") and path.split("/")[3] in by_id:
            return httpx.Response(200, content=by_id[path.split("/")[3]])
        if path == "/v1/limits":
            return httpx.Response(200, json={"version": "v1", "limits": {}})
        if path == "/v1/prices":
            return httpx.Response(200, json={"prices": []})
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})

    return httpx.MockTransport(handle)


class FrameClock:
    """Times of finished frames at which the screen was `ready` (fully reflects the input)."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.first_ready: float | None = None

    def record(self, app: App[None], renderable: RenderableType | None, ready: bool) -> None:
        if renderable is None:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(app.console)  # what a terminal would be sent: part of the frame's cost
        now = time.perf_counter()
        if ready:
            self.frames.append(now)
            self.first_ready = self.first_ready or now


class TimedDesk(DeskApp):
    def __init__(self, orders: list[dict[str, Any]]) -> None:
        super().__init__(DeskApi("http://bench.test", "t", transport=transport(orders)))
        self.clock = FrameClock()

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        desk = self.screen_stack[0] if self.screen_stack else None
        # Ready: the queue is filled and the detail shows the highlighted order.
        ready = (isinstance(desk, DeskScreen) and len(desk.state.orders) == ORDERS
                 and desk.detail.shown_id == desk.queue.highlighted_id)
        self.clock.record(self, renderable, ready)
        super()._display(screen, renderable)


class TimedTable(App[None]):
    """The baseline: the same rows in a DataTable, filled on mount."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        super().__init__()
        self.orders = orders
        self.clock = FrameClock()

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("expires", "producer", "symbol", "side", "qty", "limit", "notional")
        for o in self.orders:
            table.add_row(o["expires_at"][11:19], o["producer"], o["symbol"], o["side"],
                          o["quantity"], o["limit_price"], o["notional"], key=o["id"])
        table.focus()

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        ready = bool(self.screen_stack) and self.query_one(DataTable).row_count == ORDERS
        self.clock.record(self, renderable, ready)
        super()._display(screen, renderable)


async def _measure(make: Callable[[], DeskApp | TimedTable]) -> tuple[float, list[float]]:
    app = make()
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3000):  # a bound on waiting; the first paint is what is timed
            if app.clock.first_ready is not None:
                break
            await asyncio.sleep(0.005)
        first_paint = (app.clock.first_ready or float("nan")) - start
        await pilot.pause(0.5)  # let start-up work (detail fetch, timers) settle
        latencies = []
        for i in range(KEYS):
            before = len(app.clock.frames)
            pressed = time.perf_counter()
            app.simulate_key("down" if (i // 20) % 2 == 0 else "up")
            for _ in range(2000):
                if len(app.clock.frames) > before:
                    break
                await asyncio.sleep(0.0005)
            latencies.append((app.clock.frames[-1] - pressed) * 1000)
            await asyncio.sleep(0.03)  # a trader's pace: frames do not merge
    return first_paint, latencies


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(ctx: Context) -> list[Row]:
    orders = _orders()
    ctx.say(f"desk: baseline DataTable with {ORDERS} rows")
    base_paint, base_keys = asyncio.run(_measure(lambda: TimedTable(orders)))
    ctx.say(f"desk: DeskApp with {ORDERS} pending orders")
    make: Callable[[], DeskApp | TimedTable] = (
        (lambda: TimedTable(orders)) if ctx.self_check else (lambda: TimedDesk(orders)))
    paint, keys = asyncio.run(_measure(make))
    return [
        Row("desk", "first paint (s)", paint, base_paint, Goal("<=", 1.0, "value")),
        Row("desk", "key→frame p50 (ms)", _p(keys, 50), _p(base_keys, 50), fmt=".1f"),
        Row("desk", "key→frame p99 (ms)", _p(keys, 99), _p(base_keys, 99),
            Goal("<=", 50, "value"), fmt=".1f"),
    ]


BENCHMARK = Benchmark("desk", f"approval desk, {ORDERS} pending: first paint, key latency", run)
