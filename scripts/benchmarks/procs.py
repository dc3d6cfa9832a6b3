"""Child processes that cannot outlive the harness: servers and wrk.

Each child leads its own process group, so one killpg also takes whatever it forked
(uvicorn reloaders, workers), and Ctrl-C at the terminal reaches only the harness, whose
finally blocks then stop the children in order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from scripts.benchmarks.harness import HOST, HarnessError


class Proc:
    def __init__(
        self, argv: list[str], *, log: Path, env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:  # fmt: skip
        self.argv = argv
        self.log = log
        self._out = log.open("wb")
        try:
            self.popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
                env=env, cwd=cwd, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            self._out.close()
            raise HarnessError(f"cannot start {argv[0]}: {exc}") from exc

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(f"{self.argv[0]} still running after {timeout:.0f} s") from exc

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the group, then SIGKILL whatever is left after `grace` seconds."""
        try:
            if self.popen.poll() is None:
                self._signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(grace)
            self._signal(signal.SIGKILL)  # stragglers in the group, if any
            self.popen.wait()
        finally:
            self._out.close()

    def _signal(self, sig: signal.Signals) -> None:
        # The group may already be gone; that is the outcome we want anyway.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def tail(self, lines: int = 30) -> str:
        self._out.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Proc:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: Proc, timeout: float = 60.0) -> None:
    """Poll `url` until it answers 200; fail early, with the server's log, if it dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise HarnessError(
                f"{proc.argv[0]} exited with {proc.popen.returncode} before ready:\n{proc.tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise HarnessError(f"{url} not ready after {timeout:.0f} s:\n{proc.tail()}")
