"""Edit, batch decisions, dual approval and the live status line, driven by keys."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from textual.widgets import Input, Static

from tests.fakes.http_gateway import FakeGatewayHttp
from tests.unit.tui.harness import RecordingDesk, live, plain, queue_ids, until
from tui.screens.edit import EditModal
from tui.screens.reason import ReasonModal

SIZE = (160, 45)


def posts(fake: FakeGatewayHttp, verb: str) -> list[tuple[str, object]]:
    return [(r.path.split("/")[3], r.body) for r in fake.decisions() if r.path.endswith(verb)]


async def test_edit_sends_only_the_reduced_quantity_with_the_version_and_shows_v2() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order(quantity="0.5")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "edit form")
        app.screen.query_one("#edit-quantity", Input).value = "0.25"
        await pilot.press("enter")
        await until(pilot, lambda: app.said("Edited"), "edit confirmed")
        assert posts(fake, "edit") == [(order.id, {"version": 1, "quantity": "0.25"})]
        await until(pilot, lambda: "version 2" in plain(app.desk.detail.content), "v2 shown")
        assert "BUY 0.25 BTC/USDT" in plain(app.desk.detail.content)
        assert queue_ids(app) == [order.id]


async def test_edit_that_grows_the_order_is_refused_before_anything_is_sent() -> None:
    fake = FakeGatewayHttp()
    fake.add_order(quantity="0.5")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditModal), "edit form")
        app.screen.query_one("#edit-quantity", Input).value = "0.9"
        await pilot.press("enter")
        assert isinstance(app.screen, EditModal)
        await pilot.press("escape")
        assert fake.decisions() == []


async def test_batch_approve_sends_each_selected_order_with_its_own_version_only() -> None:
    fake = FakeGatewayHttp()
    first = fake.add_order(expires_in=100)
    second = fake.add_order(expires_in=200)
    untouched = fake.add_order(expires_in=300)
    fake.change_order(second.id, rationale="resized")  # second is at version 2
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("space", "down", "space", "A")
        await until(pilot, lambda: queue_ids(app) == [untouched.id], "both rows leave")
        assert sorted(posts(fake, "approve")) == [
            (first.id, {"version": 1}), (second.id, {"version": 2})]


async def test_batch_actions_with_nothing_selected_never_mean_all() -> None:
    fake = FakeGatewayHttp()
    fake.add_order()
    fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("A")
        await pilot.press("D")
        assert app.said("No order selected: press space")
        assert fake.decisions() == [] and not isinstance(app.screen, ReasonModal)


async def test_batch_deny_asks_once_and_sends_the_reason_to_each_selected_order() -> None:
    fake = FakeGatewayHttp()
    a, b = fake.add_order(expires_in=100), fake.add_order(expires_in=200)
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("space", "down", "space", "D")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal), "one reason prompt")
        app.screen.query_one(Input).value = "risk off"
        await pilot.press("enter")
        await until(pilot, lambda: queue_ids(app) == [], "both denied")
        assert sorted(posts(fake, "deny")) == [
            (a.id, {"reason": "risk off", "version": 1}),
            (b.id, {"reason": "risk off", "version": 1})]


async def test_dual_approval_shows_the_first_approver_and_needs_a_different_second() -> None:
    fake = FakeGatewayHttp()
    fake.extras.dual_threshold = Decimal("10000")
    order = fake.add_order(quantity="0.5", limit_price="64000")  # 32000
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await until(pilot, lambda: app.desk.queue.dual_threshold is not None, "limits read")
        assert "no approval yet" in plain(app.desk.detail.content)
        await pilot.press("a")
        await until(pilot, lambda: app.said("First approval recorded"), "first approval")
        await until(pilot, lambda: "first approval by trader-1" in plain(
            app.desk.detail.content), "first approver shown")
        assert queue_ids(app) == [order.id]

        await pilot.press("a")  # the same operator again: refused by the gateway
        await until(pilot, lambda: app.said("already decided"), "conflict explained")
        assert fake.orders[order.id].state == "pending_approval"

        fake.actor = "trader-2"  # a second desk's operator
        await pilot.press("a")
        await until(pilot, lambda: queue_ids(app) == [], "approved by the second")
        assert fake.orders[order.id].state == "approved"


async def test_status_line_counts_the_live_queue_not_the_startup_status() -> None:
    fake = FakeGatewayHttp()
    fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        line = app.desk.query_one("#status-line", Static)
        await until(pilot, lambda: "pending 1" in plain(line.content), "one pending")
        new = fake.add_order()
        fake.publish("order.proposed", new.id)
        await until(pilot, lambda: "pending 2" in plain(line.content), "count follows queue")


async def test_a_decided_row_never_comes_back_from_a_fetch_that_started_before() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        fake.slow_queue = asyncio.Event()
        fetches = len([r for r in fake.requests if r.path == "/v1/desk/queue"])
        await pilot.press("r")  # this fetch reads the order as pending, then stalls
        await until(pilot, lambda: len([r for r in fake.requests if r.path == "/v1/desk/queue"])
                    > fetches, "stalled fetch started")
        await pilot.press("a")
        await until(pilot, lambda: queue_ids(app) == [], "row leaves on confirmation")
        stalled, fake.slow_queue = fake.slow_queue, asyncio.Event()  # later fetches stall
        stalled.set()  # only the stale reply lands
        await until(pilot, lambda: app.desk.state.queue_epoch == app.desk.state.feed_epoch
                    and not app.desk._queue_dirty, "stale reply handled")
        for _ in range(20):
            await pilot.pause()
            assert order.id not in queue_ids(app)
        fake.slow_queue.set()
