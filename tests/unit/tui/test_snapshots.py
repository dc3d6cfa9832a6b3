"""Snapshots of the main desk screens, on a fixed clock so countdowns never drift."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.fakes.http_gateway import FakeGatewayHttp
from tests.unit.tui.harness import RecordingDesk, live, plain, until
from tests.unit.tui.snapshot import assert_snapshot
from tui.screens.help import HelpScreen
from tui.screens.overview import OverviewScreen

SIZE = (150, 42)
NOW = datetime(2026, 11, 3, 14, 0, 0, tzinfo=UTC)


def arranged() -> FakeGatewayHttp:
    fake = FakeGatewayHttp()
    fake.clock = lambda: NOW
    fake.extras.dual_threshold = Decimal("20000")
    fake.extras.mids = {"BTC/USDT": Decimal("63800"), "ETH/USDT": Decimal("2410")}
    fake.extras.positions = {"BTC/USDT": Decimal("0.2")}
    fake.add_order(quantity="0.5", limit_price="64000", expires_in=95)
    fake.add_order(producer="mean-revert", symbol="ETH/USDT", side="sell", quantity="3",
                   limit_price="2400", expires_in=540, rationale="fade the spike")
    fake.add_order(quantity="0.05", limit_price="63500", expires_in=1500)
    return fake


async def known(pilot: Pilot[Any], app: RecordingDesk) -> None:
    """The operator's role shapes the header and the footer: wait for it."""
    await until(pilot, lambda: app.desk.state.operator is not None, "operator's role")
    await pilot.pause()


async def test_desk_screen_snapshot(tmp_path: Path) -> None:
    app = RecordingDesk(arranged(), clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await known(pilot, app)
        detail = app.desk.detail
        await until(pilot, lambda: "position 0.2 → 0.7" in plain(detail.content), "impact")
        await until(pilot, lambda: "✔ max_notional" in plain(detail.content), "checks")
        await until(pilot, lambda: bool(app.desk.queue.mids), "prices")
        await pilot.pause()
        assert_snapshot(app, "desk", tmp_path)


async def test_halted_and_disconnected_desk_snapshot(tmp_path: Path) -> None:
    fake = arranged()
    fake.set_halt(True, "operator:rita", "venue outage")
    fake.stream_mode = "fail"
    app = RecordingDesk(fake, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.desk.halt_banner.display), "halt banner")
        await known(pilot, app)
        await until(pilot, lambda: "DISCONNECTED" in plain(app.desk.feed_banner.content), "feed")
        # The limits arrive from their own fetch: wait for them, or the picture races it.
        await until(pilot, lambda: app.desk.queue.dual_threshold is not None, "limits loaded")
        app.desk._render_status_line()
        await pilot.pause()
        assert_snapshot(app, "desk-halted-disconnected", tmp_path)


async def test_help_screen_snapshot(tmp_path: Path) -> None:
    app = RecordingDesk(arranged(), clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await known(pilot, app)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await pilot.pause()
        assert_snapshot(app, "help", tmp_path)


async def test_overview_screen_snapshot(tmp_path: Path) -> None:
    app = RecordingDesk(arranged(), clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen), "overview")
        await until(pilot, lambda: "BTC/USDT" in plain(
            app.screen.query_one("#positions").render()), "positions")
        await pilot.pause()
        assert_snapshot(app, "overview", tmp_path)
