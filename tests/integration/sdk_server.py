"""A real gateway on loopback (uvicorn in a thread) for the SDK tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gateway.bootstrap import Gateway
from tests.servers import in_thread


@dataclass
class Served:
    url: str
    gw: Gateway


@contextmanager
def serve(gw: Gateway) -> Iterator[Served]:
    with in_thread(gw) as (url, _server):
        yield Served(url, gw)
