"""End to end: `scripts/demo` in a real terminal (tmux) shows the bot's orders on the desk,
and quitting the desk stops the gateway and the bot and leaves an intact database."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_desk_tmux import Terminal
from tests.servers import GATEWAY, REPO, free_port

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "tmux"], capture_output=True).returncode != 0,
    reason="tmux is not installed")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    t = Terminal(tmp_path)
    yield t
    t.close()


def wait_for(terminal: Terminal, condition: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + 120  # a bound on waiting (the demo registers, then serves)
    while time.monotonic() < deadline:
        text = terminal.screen()
        if condition(text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"never saw {what}; the screen was:\n{terminal.screen()}")


def test_quitting_the_demo_desk_stops_everything_and_keeps_an_intact_database(
        terminal: Terminal, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    env = f"DEMO_PORT={free_port()} DEMO_DIR={shlex.quote(str(demo))}"
    # The shell outlives the demo so its last words stay on the screen.
    terminal.start(f"cd {shlex.quote(str(REPO))} && env -u COLUMNS -u LINES {env} scripts/demo;"
                   " echo DEMO-EXIT=$?; sleep 600")

    wait_for(terminal, lambda s: "demo-bot" in s and "Pending approval" in s,
             "the desk showing the demo bot's orders")
    terminal.tmux("send-keys", "-t", "desk", "q")
    screen = wait_for(terminal, lambda s: "DEMO-EXIT=" in s, "the demo script ending")
    # Printed only after every child (gateway, bot) has been waited for.
    assert "demo: stopped" in screen and "DEMO-EXIT=0" in screen

    verify = subprocess.run([*GATEWAY, "audit", "verify"], capture_output=True, text=True,
                            timeout=60, cwd=REPO,
                            env={"GATEWAY_DATABASE_URL": f"sqlite:///{demo}/gateway.db",
                                 "PATH": "/usr/bin:/bin"})
    assert verify.returncode == 0, verify.stdout + verify.stderr
