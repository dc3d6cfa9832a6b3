"""HelpScreen: the keys, and the rules the desk follows so the trader can trust it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP_TEXT = """\
Guardrail Gateway: approval desk

  ↑/↓     move through the pending queue (soonest expiry first)
  a       approve the highlighted order, exactly the version shown
  d       deny the highlighted order (asks for a reason)
  H       halt all trading (asks for a reason and confirmation)
  R       resume trading (risk or admin only; asks for a reason)
  r       refresh queue and status from the gateway
  ?       this help
  q       quit

How the desk behaves
  • An action is shown as done only after the gateway confirms it.
  • Approving sends the version you see; if the order changed meanwhile the gateway
    refuses (409) and the desk refreshes so you can review it again.
  • If the live event stream drops, a banner says so and no order can be approved or
    denied until the desk has reconnected and refreshed the queue.
  • Expired orders stay visible until the gateway reports them, but cannot be decided.

Press escape, ? or q to close.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(HELP_TEXT, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
