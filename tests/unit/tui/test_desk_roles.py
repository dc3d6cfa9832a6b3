"""The desk offers resume only to an operator whose role may resume (GET /v1/me says which);
the gateway still decides, and the desk falls back on its answer when the role is unknown."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.fakes.http_gateway import FakeGatewayHttp
from tests.unit.tui.harness import RecordingDesk, live, plain, until
from tui.screens.help import HelpScreen
from tui.screens.reason import ReasonModal

SIZE = (160, 45)


def offered(app: RecordingDesk) -> set[str]:
    """The actions the footer shows and a key press would run."""
    return {b.binding.action for b in app.desk.active_bindings.values()
            if b.binding.show and b.enabled}


async def _live_as(app: RecordingDesk, pilot: Pilot[Any]) -> None:
    await live(pilot, app)
    await until(pilot, lambda: app.desk.state.operator is not None, "role known")


async def test_a_traders_desk_hides_resume_and_says_why_when_r_is_pressed() -> None:
    fake = FakeGatewayHttp(role="trader")
    fake.set_halt(True, "risk-1", "venue outage")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await _live_as(app, pilot)
        assert "resume" not in offered(app) and "halt" in offered(app)
        assert "trader-1 (trader)" in str(app.desk.sub_title)
        await pilot.press("R")
        await until(pilot, lambda: app.said("Only a risk officer or admin may resume"), "why")
        assert app.said("signed in as trader-1 (role: trader)")
        assert not isinstance(app.screen, ReasonModal)  # no prompt, nothing sent
        assert [r.path for r in fake.decisions()] == []
        assert app.desk.halt_banner.display


async def test_a_risk_officers_desk_offers_resume_and_resumes() -> None:
    fake = FakeGatewayHttp(role="risk")
    fake.set_halt(True, "risk-1", "venue outage")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await _live_as(app, pilot)
        assert "resume" in offered(app)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal), "resume prompt")
        app.screen.query_one(Input).value = "outage over"
        await pilot.press("enter")
        await until(pilot, lambda: not app.desk.halt_banner.display, "banner gone")
        assert fake.decisions()[-1].path == "/v1/resume"


async def test_with_the_role_unknown_resume_is_offered_and_the_gateway_decides() -> None:
    fake = FakeGatewayHttp(role="trader")
    fake.knows_me = False  # an older gateway: no GET /v1/me
    fake.set_halt(True, "risk-1", "venue outage")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await live(pilot, app)
        await until(pilot, lambda: any(r.path == "/v1/me" for r in fake.requests), "asked")
        assert app.desk.state.operator is None and "resume" in offered(app)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReasonModal), "resume prompt")
        app.screen.query_one(Input).value = "outage over"
        await pilot.press("enter")
        await until(pilot, lambda: app.said("ask a risk officer or admin"), "403 explained")
        assert app.desk.halt_banner.display


async def test_help_names_who_is_signed_in_and_what_r_does_for_them() -> None:
    fake = FakeGatewayHttp(role="trader")
    app = RecordingDesk(fake)
    async with app.run_test(size=SIZE) as pilot:
        await _live_as(app, pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = "\n".join(plain(w.render()) for w in app.screen.query("Static"))
        assert "Signed in as trader-1, trader: may halt but not resume" in text
        assert "a trader's desk does not" in text
