"""Fault injection for the local venue: each fault is consumed by one matching request."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["delay", "status", "drop"]


@dataclass
class Fault:
    """What goes wrong with the next request to `method path`.

    delay: the reply is held `seconds` (or until `release()`), e.g. past the client's timeout.
    status: the venue answers `status` (500, 503, 429...) with a Binance-style body.
    drop: the connection is closed without any reply.
    after_accept: the venue handles the request in full first (the order exists), and only
        then misbehaves; otherwise it misbehaves before touching anything.
    """

    method: str
    path: str
    kind: Kind
    after_accept: bool = True
    seconds: float = 30.0
    status: int = 503
    retry_after: int | None = None  # with status 429: the Retry-After header, as Binance sends
    released: threading.Event = field(default_factory=threading.Event)
    hit: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


class FaultQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._seen: list[Fault] = []  # every fault, so stopping releases held replies too

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
            self._seen.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.method == method and fault.path == path:
                    return self._faults.pop(i)
        return None

    def clear(self) -> None:
        with self._lock:
            for fault in self._seen:
                fault.release()
            self._faults.clear()
            self._seen.clear()
