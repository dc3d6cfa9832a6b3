"""HelpScreen: the keys, and the rules the desk follows so the trader can trust it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gateway.api.desk_schemas import MeOut
from tui.state import RESUME_ROLES

HELP_TEXT = """\
Guardrail Gateway: approval desk

  ↑/↓ PgUp/PgDn Home/End   move through the pending queue (soonest expiry first); mouse: click
  a       approve the highlighted order, exactly the version shown
  d       deny the highlighted order (asks for a reason; it goes back to the bot)
  e       edit before approving: reduce the quantity or tighten the limit price only
  space   select / unselect the highlighted order for a batch decision (● in the queue)
  A / D   approve / deny the selected orders (never "all": only what you selected)
  o       overview: positions and PnL, limit use, producers, audit tail
  H       halt all trading (asks for a reason and confirmation)
  R       resume trading (asks for a reason); risk or admin only: a trader's desk does not
          offer it, and pressing R there says why
  r       refresh queue, status and prices from the gateway
  ?       this help
  q       quit

Queue columns
  expires  countdown to expiry     2op  0/2 or 1/2: dual approval needed, approvals given
  bps      limit price's distance from the reference mid, in basis points (+ above)

How the desk behaves
  • An action is shown as done only after the gateway confirms it.
  • Approving sends the version you see; if the order changed meanwhile (edited, re-checked
    after a limits reload) the gateway refuses (409), the desk says so and shows the new
    version so you can review it again. A second desk deciding first gets the same answer.
  • Orders above the dual-approval threshold need two different operators; the detail shows
    who approved first. limits.yaml may bar a bot's own principal from approving it.
  • If the live event stream drops, a banner says so and no order can be approved or
    denied until the desk has reconnected (with backoff) and refreshed the queue.
  • Expired orders stay visible until the gateway reports them, but cannot be decided.

Press escape, ? or q to close.
"""


def signed_in(who: MeOut | None) -> str:
    """The line naming whose token the desk holds, below the title."""
    if who is None:
        return "  Signed in as: not known yet (the gateway decides what this token may do)"
    may = "may resume" if who.role in RESUME_ROLES else "may halt but not resume"
    return f"  Signed in as {who.name}, {who.role}: {may}"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, who: MeOut | None = None) -> None:
        super().__init__()
        self.who = who

    def compose(self) -> ComposeResult:
        title, rest = HELP_TEXT.split("\n", 1)
        with VerticalScroll(id="help-dialog"):
            yield Static(f"{title}\n{signed_in(self.who)}\n{rest}", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
