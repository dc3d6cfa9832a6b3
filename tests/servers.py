"""Real servers on loopback for tests: a free port, an app served in a thread, readiness."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from gateway.api.app import create_app
from gateway.bootstrap import Gateway

REPO = Path(__file__).resolve().parents[1]
GATEWAY = [sys.executable, "-m", "gateway"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout_s: float = 60.0) -> None:
    """Poll /healthz until it answers (a bound on waiting, not a timing check)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no gateway answered at {url}")


@contextmanager
def in_thread(gw: Gateway) -> Iterator[tuple[str, uvicorn.Server]]:
    """The gateway's app served by uvicorn in a thread; yields its URL and the server."""
    port = free_port()
    config = uvicorn.Config(create_app(gw), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        # force_exit: a graceful exit would wait for open event streams.
        server.should_exit = server.force_exit = True
        thread.join(10)
