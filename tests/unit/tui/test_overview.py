"""The overview screen: positions and PnL with limit use, producers, the audit tail."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import DataTable, Input, Sparkline, Static

from tests.fakes.http_gateway import FakeGatewayHttp
from tests.unit.tui.harness import RecordingDesk, live, plain, until
from tui.screens.overview import OverviewScreen, parse_filter

SIZE = (160, 45)


async def test_overview_shows_positions_pnl_chart_limit_use_and_producers() -> None:
    fake = FakeGatewayHttp()
    fake.extras.positions = {"BTC/USDT": Decimal("0.4")}
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen), "overview open")
        screen = app.screen
        await until(pilot, lambda: "BTC/USDT" in plain(
            screen.query_one("#positions", Static).content), "positions")
        assert "12.5" in plain(screen.query_one("#positions", Static).content)
        assert screen.query_one("#pnl-chart", Sparkline).data == [0.0, 5.0, 12.5]
        assert "80%" in plain(screen.query_one("#usage", Static).content)
        producers = screen.query_one("#producers", DataTable)
        row = [plain(c).strip() for c in producers.get_row("alpha-bot")]
        assert row[:4] == ["alpha-bot", "Alice", "quarantined", "7"]
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, OverviewScreen), "back to queue")


async def test_audit_tail_filters_by_order() -> None:
    fake = FakeGatewayHttp()
    a, b = fake.add_order(), fake.add_order()
    fake.publish("order.proposed", a.id)
    fake.publish("order.proposed", b.id)
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen), "overview open")
        await pilot.press("slash")
        app.screen.query_one("#audit-filter", Input).value = f"order:{b.id}"
        await pilot.press("enter")
        table = app.screen.query_one("#audit", DataTable)
        await until(pilot, lambda: table.row_count == 1, "filtered tail")
        assert plain(table.get_row_at(0)[4]).strip() == b.id
        tail = [r for r in fake.requests if r.path == "/v1/desk/audit-tail"][-1]
        assert tail.params["order_id"] == b.id


def test_audit_filter_words_map_to_query_parameters() -> None:
    assert parse_filter("order:o1 producer:bot operator:tina") == {
        "order_id": "o1", "producer": "bot", "operator": "tina"}
    assert parse_filter("") == {}
    assert "filter with" in str(parse_filter("bot"))
