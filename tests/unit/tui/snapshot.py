"""SVG snapshots of desk screens: compare app.export_screenshot() with a stored baseline.

pytest-textual-snapshot pins syrupy 4.8, which needs pytest < 9; this is the small part of
it the desk needs. Baselines live in tests/unit/tui/snapshots/. To accept a change, run
with GATEWAY_UPDATE_SNAPSHOTS=1, look at the new SVGs (any browser opens them), and commit.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from textual.app import App

BASELINES = Path(__file__).with_name("snapshots")
UPDATE = os.environ.get("GATEWAY_UPDATE_SNAPSHOTS") == "1"


def _normalise(svg: str) -> str:
    # Rich names its CSS classes after a hash of the whole picture; the picture is compared
    # anyway, so the name adds nothing but noise to a diff.
    return re.sub(r"terminal-\d+", "terminal", svg)


def assert_snapshot(app: App[object], name: str, failures: Path) -> None:
    """Fail with the paths of both pictures when the screen differs from its baseline."""
    actual = _normalise(app.export_screenshot(title=name))
    baseline = BASELINES / f"{name}.svg"
    if UPDATE or not baseline.exists():
        if not UPDATE:
            raise AssertionError(f"no baseline {baseline}: run with GATEWAY_UPDATE_SNAPSHOTS=1 "
                                 "and review the new picture")
        baseline.write_text(actual, encoding="utf-8")
        return
    if baseline.read_text(encoding="utf-8") != actual:
        failures.mkdir(parents=True, exist_ok=True)
        got = failures / f"{name}.svg"
        got.write_text(actual, encoding="utf-8")
        raise AssertionError(f"screen {name!r} differs from {baseline}; this run's picture is "
                             f"{got}. If the change is intended, rerun with "
                             "GATEWAY_UPDATE_SNAPSHOTS=1.")
