"""ReasonModal: asks for a reason and an explicit confirmation; returns the reason or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

MAX_REASON = 500  # the server's DenyIn / ReasonIn limit


class ReasonModal(ModalScreen[str | None]):
    """Used for deny, halt and resume: each needs a reason the audit log will keep."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, title: str, prompt: str, confirm_label: str, *, danger: bool) -> None:
        super().__init__()
        self._title = title
        self._prompt = prompt
        self._confirm_label = confirm_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog"):
            yield Label(self._title, id="reason-title", markup=False)
            yield Label(self._prompt, id="reason-prompt", markup=False)
            yield Input(placeholder="reason (required)", max_length=MAX_REASON, id="reason")
            with Horizontal(id="reason-buttons"):
                yield Button(
                    self._confirm_label,
                    id="confirm",
                    variant="error" if self._danger else "primary",
                )
                yield Button("Cancel", id="cancel")

    @property
    def reason_input(self) -> Input:
        return self.query_one("#reason", Input)

    def on_mount(self) -> None:
        self.reason_input.focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        reason = self.reason_input.value.strip()
        if not reason:
            self.notify("A reason is required: it goes into the audit log.", severity="warning")
            self.reason_input.focus()
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
