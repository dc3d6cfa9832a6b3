"""A real gateway on loopback (uvicorn in a thread) for the SDK tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from gateway.api.app import create_app
from gateway.bootstrap import Gateway


@dataclass
class Served:
    url: str
    gw: Gateway


@contextmanager
def serve(gw: Gateway) -> Iterator[Served]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(gw), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield Served(f"http://127.0.0.1:{port}", gw)
    finally:
        # force_exit: a graceful exit would wait for open event streams.
        server.should_exit = server.force_exit = True
        thread.join(10)
