"""Drive the desk against FakeGatewayHttp: a recording app, a bounded wait, plain text."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.console import Console
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.screen import Screen

from tests.fakes.http_gateway import FakeGatewayHttp
from tui.app import DeskApp
from tui.client import DeskApi
from tui.feed import Backoff
from tui.screens.desk import DeskScreen

# Long enough that a dropped stream stays dropped for the whole test.
NO_RECONNECT = Backoff(initial=3600, cap=3600, jitter=0)


class RecordingDesk(DeskApp):
    """DeskApp that keeps every notification so tests can read what the trader was told."""

    def __init__(self, fake: FakeGatewayHttp, backoff: Backoff = NO_RECONNECT, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        api = DeskApi("http://gateway.test", fake.token, transport=fake.transport)
        super().__init__(api, backoff)
        self.notices: list[tuple[SeverityLevel, str]] = []
        self._clock = clock

    def get_default_screen(self) -> Screen[None]:
        screen = super().get_default_screen()
        if self._clock is not None and isinstance(screen, DeskScreen):
            screen.state.clock = self._clock
        return screen

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notices.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def desk(self) -> DeskScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, DeskScreen)
        return screen

    def said(self, fragment: str) -> bool:
        return any(fragment in message for _, message in self.notices)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    """Let the app work until `condition` holds; a bound on iterations, not on time."""
    for _ in range(500):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")


async def live(pilot: Pilot[Any], app: RecordingDesk) -> None:
    """Wait until the stream is up and the queue was fetched on it: the desk is actionable."""
    await until(pilot, lambda: app.desk.state.queue_fresh, "desk live with a fresh queue")


def plain(renderable: object) -> str:
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def queue_ids(app: RecordingDesk) -> list[str]:
    return app.desk.queue.order_ids
