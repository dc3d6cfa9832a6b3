"""DeskApp: the trader's approval desk, a Textual app that talks only to the HTTP API."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.screen import Screen

from tui.client import DeskApi
from tui.feed import Backoff
from tui.screens.desk import DeskScreen

DEFAULT_URL = "http://127.0.0.1:8787"


class DeskApp(App[None]):
    """Thin shell: the desk itself is DeskScreen; the app owns the API client's lifetime."""

    # Absolute: Textual resolves a relative CSS_PATH beside each subclass's own module.
    CSS_PATH = Path(__file__).with_name("desk.tcss")
    TITLE = "Guardrail Gateway · approval desk"
    # The palette would offer commands outside the desk's rules (themes, screenshots...).
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, api: DeskApi, backoff: Backoff | None = None) -> None:
        super().__init__()
        self.api = api
        self.backoff = backoff or Backoff()

    def get_default_screen(self) -> Screen[None]:
        return DeskScreen(self.api, self.backoff)

    async def on_unmount(self) -> None:
        await self.api.aclose()


def run_desk(url: str, token: str) -> None:
    """Entry point for `gateway desk` and `python -m tui`; blocks until the trader quits."""
    DeskApp(DeskApi(url, token)).run()
