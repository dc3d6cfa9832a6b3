"""Desk screens: the main desk, the reason prompt and the help page."""

from tui.screens.desk import DeskScreen
from tui.screens.help import HelpScreen
from tui.screens.reason import ReasonModal

__all__ = ["DeskScreen", "HelpScreen", "ReasonModal"]
