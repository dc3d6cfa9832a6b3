"""The approval desk, driven by key presses against an in-memory gateway API."""

from __future__ import annotations

import asyncio

from textual.widgets import Input

from gateway.api.schemas import MismatchOut
from tests.fakes.http_gateway import FakeGatewayHttp
from tests.unit.tui.harness import RecordingDesk, live, plain, queue_ids, until
from tui.feed import Backoff
from tui.screens.help import HelpScreen
from tui.screens.reason import ReasonModal
from tui.widgets import VenueBanner

SIZE = (160, 45)


async def test_queue_shows_only_pending_orders_soonest_expiry_first() -> None:
    fake = FakeGatewayHttp()
    later = fake.add_order(symbol="ETH/USDT", expires_in=900)
    sooner = fake.add_order(symbol="BTC/USDT", expires_in=120)
    fake.add_order(state="approved")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        assert queue_ids(app) == [sooner.id, later.id]
        listing = next(r for r in fake.requests if r.path == "/v1/desk/queue")
        assert listing.params == {"limit": "10000"}


async def test_detail_shows_every_check_and_the_rationale_of_the_highlighted_order() -> None:
    fake = FakeGatewayHttp()
    fake.add_order(rationale="breakout above the 4h range")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await until(pilot, lambda: "✔ max_notional" in plain(app.desk.detail.content), "checks")
        text = plain(app.desk.detail.content)
        assert "✔ max_notional  observed 32000 / limit 50000" in text
        assert "✘ daily_loss  observed 1200 / limit 1000  over budget" in text
        assert "breakout above the 4h range" in text
        assert "confidence 0.8" in text
        assert "a approves version 1" in text


async def test_approve_sends_displayed_version_and_row_leaves_only_after_confirmation() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    fake.hold_decisions = asyncio.Event()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: bool(fake.decisions()), "approve request sent")

        # In flight: still listed, marked, not yet reported as done.
        assert queue_ids(app) == [order.id]
        assert "on its way" in plain(app.desk.detail.content)
        assert not app.said("Approved")

        fake.hold_decisions.set()
        await until(pilot, lambda: queue_ids(app) == [], "row leaves the queue")
        assert app.said("Approved")
        sent = fake.decisions()[-1]
        assert (sent.path, sent.body) == (f"/v1/orders/{order.id}/approve", {"version": 1})


async def test_approve_sends_the_version_now_displayed_after_the_order_changed() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        fake.change_order(order.id, rationale="resized by the bot")
        fake.publish("order.updated", order.id)
        await until(pilot, lambda: "version 2" in plain(app.desk.detail.content), "v2 shown")
        await pilot.press("a")
        await until(pilot, lambda: queue_ids(app) == [], "row leaves the queue")
        assert fake.decisions()[-1].body == {"version": 2}


async def test_deny_asks_for_a_reason_and_sends_it_with_the_version() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal), "reason prompt")
        await pilot.press("t", "o", "o", "space", "b", "i", "g", "enter")
        await until(pilot, lambda: queue_ids(app) == [], "row leaves the queue")
        sent = fake.decisions()[-1]
        assert sent.path == f"/v1/orders/{order.id}/deny"
        assert sent.body == {"reason": "too big", "version": 1}
        assert app.said("Denied")


async def test_deny_without_a_reason_is_refused_and_cancel_sends_nothing() -> None:
    fake = FakeGatewayHttp()
    fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal), "reason prompt")
        await pilot.press("enter")
        assert isinstance(app.screen, ReasonModal)
        assert app.said("A reason is required")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReasonModal), "prompt closed")
        assert fake.decisions() == []


async def test_conflict_is_explained_and_the_changed_order_is_shown_again() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        fake.change_order(order.id, rationale="edited elsewhere")  # silently: no event
        await pilot.press("a")
        await until(pilot, lambda: app.said("changed or was already decided"), "409 explained")
        assert app.said("review the order again before deciding")
        await until(pilot, lambda: "version 2" in plain(app.desk.detail.content), "v2 shown")
        assert queue_ids(app) == [order.id]
        assert fake.orders[order.id].state == "pending_approval"


async def test_halt_asks_for_confirmation_then_shows_the_banner() -> None:
    fake = FakeGatewayHttp()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        banner = app.desk.halt_banner
        assert not banner.display
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal), "halt prompt")
        assert fake.decisions() == []  # nothing sent before confirmation
        app.screen.query_one(Input).value = "fat finger on ETH"
        await pilot.press("enter")
        await until(pilot, lambda: bool(banner.display), "halt banner shown")
        text = plain(banner.content)
        assert "TRADING HALTED" in text
        assert "trader-1" in text
        assert "fat finger on ETH" in text
        assert "2026-11-03 14:02:11" in text
        assert fake.decisions()[-1].body == {"reason": "fat finger on ETH"}


async def test_halt_set_elsewhere_shows_the_banner_from_the_event_stream() -> None:
    fake = FakeGatewayHttp()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        fake.set_halt(True, "risk-1", "venue outage")
        await until(pilot, lambda: bool(app.desk.halt_banner.display), "halt banner shown")
        assert "risk-1" in plain(app.desk.halt_banner.content)


async def test_a_venue_mismatch_shows_its_banner_until_reconciliation_clears_it() -> None:
    fake = FakeGatewayHttp()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        banner = app.desk.query_one(VenueBanner)
        assert not banner.display
        fake.set_mismatches([MismatchOut(
            kind="holdings_differ", currency="USDT", detail="the venue holds 750 USDT; the "
            "gateway expects 1000 (its baseline 1000 plus its own fills), off by -250")])
        await until(pilot, lambda: bool(banner.display), "venue banner shown")
        assert "off by -250" in plain(banner.content)
        fake.set_mismatches([])
        await until(pilot, lambda: not banner.display, "venue banner hidden once reconciled")


async def test_a_symbol_halt_shows_on_the_banner_with_who_and_why() -> None:
    fake = FakeGatewayHttp()
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        fake.halt_symbol("BTC/USDT", "operator:rita", "BTC feed broken")
        await until(pilot, lambda: bool(app.desk.halt_banner.display), "halt banner shown")
        text = plain(app.desk.halt_banner.content)
        assert "symbol BTC/USDT" in text and "operator:rita" in text
        assert "BTC feed broken" in text and "Other trading continues" in text
        assert "TRADING HALTED" not in text  # the global halt is not in force


async def test_new_order_event_refreshes_the_queue() -> None:
    fake = FakeGatewayHttp()
    fake.add_order(expires_in=900)
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        new = fake.add_order(expires_in=60)
        fake.publish("order.proposed", new.id)
        await until(pilot, lambda: len(queue_ids(app)) == 2, "new order listed")
        assert queue_ids(app)[0] == new.id


async def test_stream_that_ends_shows_disconnected_banner_and_blocks_decisions() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    fake.publish("order.proposed", order.id)
    fake.stream_mode = "finite"  # yields the backlog, then the server hangs up
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        banner = app.desk.feed_banner
        await until(pilot, lambda: "DISCONNECTED" in plain(banner.content), "banner")
        assert banner.display
        await until(pilot, lambda: queue_ids(app) == [order.id], "stale queue still visible")
        assert app.desk.queue.has_class("-stale")
        await pilot.press("a")
        assert app.said("Disconnected from the gateway's event stream")
        assert fake.decisions() == []


async def test_stream_refused_by_the_server_shows_disconnected_banner() -> None:
    fake = FakeGatewayHttp()
    fake.add_order()
    fake.stream_mode = "fail"
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        banner = app.desk.feed_banner
        await until(pilot, lambda: "DISCONNECTED" in plain(banner.content), "banner")
        assert "event stream unavailable" in plain(banner.content)
        assert not app.desk.state.queue_fresh


async def test_reconnects_from_the_last_seq_and_becomes_actionable_again() -> None:
    fake = FakeGatewayHttp()
    order = fake.add_order()
    fake.publish("order.proposed", order.id)
    fake.publish("order.updated", order.id)
    fake.stream_mode = "finite"
    app = RecordingDesk(fake, backoff=Backoff(initial=0.001, cap=0.001))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: fake.stream_opens >= 2, "a reconnection")
        fake.stream_mode = "live"
        await live(pilot, app)
        assert not app.desk.feed_banner.display
        reconnects = [r for r in fake.requests if r.path == "/v1/events"][1:]
        assert reconnects and all(r.params == {"after": "2"} for r in reconnects)


async def test_help_opens_with_question_mark_and_closes_with_escape() -> None:
    app = RecordingDesk(FakeGatewayHttp())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
