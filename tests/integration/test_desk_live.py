"""The desk against the real gateway app, served by uvicorn on loopback (SQLite).

httpx's ASGITransport buffers whole responses, so it cannot carry the event stream: a
real server in a thread is the honest double here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from gateway.sdk.auth import ProducerAuth
from tests.servers import in_thread
from tests.support import LIMITS, add, auth, make_gateway, proposal
from tests.unit.tui.harness import RecordingDesk, plain, queue_ids
from tui.app import DeskApp
from tui.client import DeskApi
from tui.feed import Backoff


@dataclass
class Served:
    url: str
    bot: str
    trader: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path)
    bot, trader = add(gw, "bot1", "producer"), add(gw, "trader1", "trader", "tina")
    with in_thread(gw) as (url, _):
        yield Served(url, bot, trader)


class LiveDesk(RecordingDesk):
    def __init__(self, url: str, token: str) -> None:
        DeskApp.__init__(self, DeskApi(url, token), Backoff(initial=0.2, cap=0.5))
        self.notices = []
        self._clock = None


def shown_actions(app: RecordingDesk) -> set[str]:
    """What the footer offers, and a key press would run."""
    return {b.binding.action for b in app.desk.active_bindings.values()
            if b.binding.show and b.enabled}


async def wait(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):  # a bound on polling, not a timing assertion
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened: {what}")


async def propose(served: Served, **overrides: Any) -> str:
    async with httpx.AsyncClient(base_url=served.url, auth=ProducerAuth(served.bot)) as client:
        reply = await client.post("/v1/orders", json=proposal(**overrides))
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def test_desk_decides_orders_and_halts_against_the_real_gateway(served: Served) -> None:
    first = await propose(served)
    app = LiveDesk(served.url, served.trader)
    async with app.run_test(size=(150, 40)) as pilot:
        await wait(pilot, lambda: app.desk.state.queue_fresh and queue_ids(app) == [first], "q")
        await wait(pilot, lambda: "✔ max_position" in plain(app.desk.detail.content), "checks")

        second = await propose(served, symbol="ETH/USDT", quantity="1", limit_price="2000")
        await wait(pilot, lambda: second in queue_ids(app), "event-driven refresh")

        await pilot.press("a")  # the highlighted row is the first order (soonest expiry)
        await wait(pilot, lambda: queue_ids(app) == [second], "approved row leaves")
        # Approved and, once the executor runs, claimed for sending in the same commit.
        assert app.said("Gateway state: sending") or app.said("Gateway state: approved")

        await pilot.press("d")
        await wait(pilot, lambda: len(app.screen_stack) > 1, "reason prompt")
        app.screen.query_one(Input).value = "too big"
        await pilot.press("enter")
        await wait(pilot, lambda: queue_ids(app) == [], "denied row leaves")

        await pilot.press("H")
        await wait(pilot, lambda: len(app.screen_stack) > 1, "halt prompt")
        app.screen.query_one(Input).value = "desk test"
        await pilot.press("enter")
        await wait(pilot, lambda: bool(app.desk.halt_banner.display), "halt banner")
        assert "operator:trader1" in plain(app.desk.halt_banner.content)

        # The gateway told the desk its operator is a trader: R is not offered, and
        # pressing it says why instead of sending a resume the gateway would refuse.
        await wait(pilot, lambda: app.desk.state.operator is not None, "role learned")
        assert "resume" not in shown_actions(app)
        await pilot.press("R")
        await wait(pilot, lambda: app.said("Only a risk officer or admin may resume"), "why")
        assert app.said("signed in as trader1 (role: trader)") and len(app.screen_stack) == 1
        async with httpx.AsyncClient(base_url=served.url, headers=auth(served.trader)) as c:
            denied = (await c.get("/v1/audit", params={"kind": "access.denied"})).json()
        assert denied["events"] == []  # no resume reached the gateway
        assert bool(app.desk.halt_banner.display)


async def test_a_risk_officers_desk_learns_its_role_and_resumes_on_the_real_gateway(
        tmp_path: Path) -> None:
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path)
    rita = add(gw, "risk1", "risk", "rita")
    with in_thread(gw) as (url, _):
        async with httpx.AsyncClient(base_url=url, headers=auth(rita)) as client:
            r = await client.post("/v1/halt", json={"reason": "drill"})
            assert r.status_code == 200, r.text
        app = LiveDesk(url, rita)
        async with app.run_test(size=(150, 40)) as pilot:
            await wait(pilot, lambda: app.desk.state.operator is not None
                       and bool(app.desk.halt_banner.display), "desk live, halted")
            assert app.desk.state.operator.role == "risk"  # type: ignore[union-attr]
            assert "risk1 (risk)" in str(app.desk.sub_title)
            assert "resume" in shown_actions(app)
            await pilot.press("R")
            await wait(pilot, lambda: len(app.screen_stack) > 1, "resume prompt")
            app.screen.query_one(Input).value = "drill over"
            await pilot.press("enter")
            await wait(pilot, lambda: not app.desk.halt_banner.display, "banner cleared")
            assert app.said("Trading resumed; confirmed by the gateway.")


async def test_two_desks_dual_approval_edit_and_disconnect_on_the_real_gateway(
    tmp_path: Path,
) -> None:
    limits = LIMITS + 'dual_approval_notional: "5000"\n'
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path, limits=limits)
    bot = add(gw, "bot1", "producer")
    tina, tom = add(gw, "trader1", "trader", "tina"), add(gw, "trader2", "trader", "tom")
    with in_thread(gw) as (url, server):
        served = Served(url, bot, tina)
        order = await propose(served, quantity="0.2")  # 8000 > 5000: two approvals
        first, second = LiveDesk(url, tina), LiveDesk(url, tom)
        async with first.run_test(size=(150, 40)) as p1, second.run_test(size=(150, 40)) as p2:
            await wait(p1, lambda: queue_ids(first) == [order] and first.desk.state.queue_fresh
                       and first.desk.queue.dual_threshold is not None, "desk 1 live")
            await wait(p2, lambda: queue_ids(second) == [order], "desk 2 live")

            await p1.press("a")
            await wait(p1, lambda: first.said("First approval recorded"), "first approval")
            await wait(p2, lambda: "first approval by trader1" in plain(
                second.desk.detail.content), "desk 2 shows who approved first")

            await p1.press("e")  # desk 1 halves the order: the first approval is void
            await wait(p1, lambda: len(first.screen_stack) > 1, "edit form")
            first.screen.query_one("#edit-quantity", Input).value = "0.1"
            await p1.press("enter")
            await wait(p2, lambda: "BUY 0.1 BTC/USDT" in plain(second.desk.detail.content)
                       and "version 3" in plain(second.desk.detail.content), "edit seen")

            await p2.press("a")  # 4000 now: one approval is enough
            await wait(p2, lambda: queue_ids(second) == [], "approved by desk 2")
            await wait(p1, lambda: queue_ids(first) == [], "desk 1 follows")

            server.should_exit = server.force_exit = True  # the gateway goes away
            await wait(p1, lambda: "DISCONNECTED" in plain(first.desk.feed_banner.content),
                       "disconnected banner")
            assert first.desk.queue.has_class("-stale")


class FirstDecisionRacedBy(httpx.AsyncHTTPTransport):
    """The real transport; just before the desk's first decision reaches the gateway, another
    operator acts on the same order (`race`), so the desk acts on what it saw a moment ago."""

    def __init__(self, race: Callable[[str], Awaitable[None]]) -> None:
        super().__init__()
        self.race: Callable[[str], Awaitable[None]] | None = race

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")  # /v1/orders/{id}/{verb}
        if self.race is not None and request.method == "POST" and parts[-1] in (
                "approve", "deny"):
            race, self.race = self.race, None
            await race(parts[-2])
        return await super().handle_async_request(request)


class RacedDesk(RecordingDesk):
    def __init__(self, url: str, token: str, transport: httpx.AsyncBaseTransport) -> None:
        DeskApp.__init__(self, DeskApi(url, token, transport=transport),
                         Backoff(initial=0.2, cap=0.5))
        self.notices = []
        self._clock = None


@pytest.mark.parametrize("other_desk,told,then", [
    ({"path": "edit", "body": {"version": 1, "quantity": "0.05"}},
     "changed since you saw it (version 1, now 2)", "BUY 0.05 BTC/USDT"),
    ({"path": "approve", "body": {"version": 1}}, "by trader2; nothing to approve", None),
])
async def test_a_desk_acting_on_what_another_desk_just_changed_is_refused_and_shown_why(
        tmp_path: Path, other_desk: dict[str, Any], told: str, then: str | None) -> None:
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path)
    bot, tina = add(gw, "bot1", "producer"), add(gw, "trader1", "trader", "tina")
    tom = add(gw, "trader2", "trader", "tom")
    with in_thread(gw) as (url, _):
        order = await propose(Served(url, bot, tina))

        async def tom_acts(order_id: str) -> None:
            async with httpx.AsyncClient(base_url=url, headers=auth(tom)) as client:
                r = await client.post(f"/v1/orders/{order_id}/{other_desk['path']}",
                                      json=other_desk["body"])
                assert r.status_code == 200, r.text

        app = RacedDesk(url, tina, FirstDecisionRacedBy(tom_acts))
        async with app.run_test(size=(150, 40)) as pilot:
            await wait(pilot, lambda: app.desk.state.queue_fresh and queue_ids(app) == [order],
                       "desk live")
            await pilot.press("a")
            await wait(pilot, lambda: app.said(told), f"the refusal explained ({app.notices})")
            if then is None:  # decided elsewhere: it leaves the queue
                await wait(pilot, lambda: queue_ids(app) == [], "decided order leaves")
            else:  # changed: the new version is shown, still to be decided
                await wait(pilot, lambda: then in plain(app.desk.detail.content)
                           and "version 2" in plain(app.desk.detail.content), "new version")
                assert queue_ids(app) == [order]
    assert not app.said("Gateway state: approved")  # never shown as done


async def test_the_desk_is_alerted_with_the_evidence_when_a_producer_is_quarantined(
        served: Served) -> None:
    app = LiveDesk(served.url, served.trader)
    async with app.run_test(size=(150, 40)) as pilot:
        await wait(pilot, lambda: app.desk.state.queue_fresh, "desk live")
        async with httpx.AsyncClient(base_url=served.url,
                                     auth=ProducerAuth(served.bot)) as bot:
            for _ in range(3):  # the default max_role_violations
                r = await bot.post("/v1/halt", json={"reason": "let me"})
                assert r.status_code == 403
        await wait(pilot, lambda: app.said("bot1 QUARANTINED for role violations"), "alert")
        [(severity, text)] = [n for n in app.notices if "QUARANTINED" in n[1]]
        assert severity == "error" and "POST /v1/halt" in text
        assert "gateway producers reinstate bot1" in text


async def test_a_reload_that_makes_a_pending_order_fail_updates_it_in_place(
        tmp_path: Path) -> None:
    gw = make_gateway(f"sqlite:///{tmp_path}/gateway.db", tmp_path)
    bot, tina = add(gw, "bot1", "producer"), add(gw, "trader1", "trader", "tina")
    rita = add(gw, "risk1", "risk", "rita")
    with in_thread(gw) as (url, _):
        order = await propose(Served(url, bot, tina))  # 0.1 BTC, within max_position 0.5
        app = LiveDesk(url, tina)
        async with app.run_test(size=(150, 40)) as pilot:
            await wait(pilot, lambda: app.desk.state.queue_fresh and queue_ids(app) == [order]
                       and "✔ max_position" in plain(app.desk.detail.content), "desk live")
            limits = tmp_path / "limits.yaml"
            limits.write_text(limits.read_text().replace('max_position: "0.5"',
                                                         'max_position: "0.05"'))
            async with httpx.AsyncClient(base_url=url, headers=auth(rita)) as risk:
                r = await risk.post("/v1/limits/reload")
                assert r.status_code == 200 and r.json()["reevaluated"][0]["passed"] is False
            await wait(pilot, lambda: "✘ max_position" in plain(app.desk.detail.content)
                       and "version 2" in plain(app.desk.detail.content), "fresh findings")
            assert queue_ids(app) == [order]  # still pending, in place, now failing
            await pilot.press("a")
            await wait(pilot, lambda: app.said("refused by limits: max_position"),
                       "the approval refused by the re-check, with the reason")
            assert queue_ids(app) == [order]
