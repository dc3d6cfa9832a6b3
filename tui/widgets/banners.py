"""Banners across the top of the desk: halted trading, differences with the venue, and a
lost event stream."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from gateway.api.schemas import HaltOut, MismatchOut
from tui.format import halt_line, scoped_halt_line


class HaltBanner(Static):
    """Hidden unless halted; when shown it is red, bold and above everything else."""

    def show(self, halt: HaltOut | None, scoped: Sequence[HaltOut] = ()) -> None:
        """The global halt, and beneath it any halt of a single symbol or producer."""
        lines = [halt_line(halt)] if halt is not None and halt.halted else []
        if extra := scoped_halt_line(scoped):
            lines.append(extra)
        self.display = bool(lines)
        if lines:
            self.update(Text("\n".join(lines)))  # Text: a reason is never markup


class FeedBanner(Static):
    """Says plainly that the desk is not live, and why; hidden while connected."""

    def show(self, text: str | None) -> None:
        self.display = text is not None
        if text is not None:
            self.update(Text(text))


class VenueBanner(Static):
    """Shown while the last reconciliation found the venue's books differ from ours."""

    def show(self, mismatches: list[MismatchOut]) -> None:
        self.display = bool(mismatches)
        if mismatches:
            more = f" (+{len(mismatches) - 1} more)" if len(mismatches) > 1 else ""
            self.update(Text(f"VENUE MISMATCH: {mismatches[0].detail}{more}. Audited as "
                             "venue.mismatch (o: overview); `gateway venue rebaseline` accepts "
                             "the venue's holdings once explained."))
