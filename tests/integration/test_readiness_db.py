"""Readiness follows the database: it fails when the gateway's PostgreSQL database is
dropped, and when the server stops answering (a frozen port) it fails within its own
timeout instead of hanging; it recovers when the server answers again."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway.observability.probe import DbProbe
from tests.support import Desk, make_gateway


class FreezableProxy:
    """A TCP relay on loopback to PostgreSQL that can stop relaying (a hung server)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                while self.frozen.is_set() and not self.closed:
                    time.sleep(0.05)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                s.close()

    def close(self) -> None:
        self.closed = True
        self.frozen.clear()
        self.listener.close()


def _ready(desk: Desk) -> httpx.Response:
    return desk.client.get("/readyz")


def _until(desk: Desk, status: int) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        r = _ready(desk)
        if r.status_code == status or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_readiness_fails_when_the_database_is_dropped(pg_database: str, tmp_path: Path) -> None:
    gw = make_gateway(pg_database, tmp_path)
    with Desk(gw) as desk:
        assert _until(desk, 200).status_code == 200
        url = make_url(pg_database)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
        admin.dispose()
        r = _ready(desk)
        assert r.status_code == 503
        checks = r.json()["checks"]
        assert not checks["database"]["ok"] and "database" in checks["database"]["detail"]
        assert not checks["halt"]["ok"]  # unknown without the database: not ready
        assert checks["limits"]["ok"]
        # A load balancer's check that ignores the shared halt still drops this process.
        assert desk.client.get("/readyz?ignore=halt,venue").status_code == 503


@pytest.fixture
def proxied(pg_database: str) -> Iterator[tuple[str, FreezableProxy]]:
    url = make_url(pg_database)
    proxy = FreezableProxy((url.host or "127.0.0.1", url.port or 5432))
    yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.close()


def test_readiness_fails_in_bounded_time_when_the_database_stops_answering(
        proxied: tuple[str, FreezableProxy], tmp_path: Path) -> None:
    url, proxy = proxied
    gw = make_gateway(url, tmp_path)
    gw.settings = dataclasses.replace(gw.settings, ready_timeout_s=1.0)
    gw.probe = DbProbe(url, 1.0)
    with Desk(gw) as desk:
        assert _until(desk, 200).status_code == 200
        proxy.frozen.set()
        try:
            first = _ready(desk)  # answered, not hung (the test client has no timeout)
            assert first.status_code == 503
            assert "not answering" in first.json()["checks"]["database"]["detail"]
            again = _ready(desk)  # the stuck check is not piled on
            assert again.status_code == 503
            assert "still waiting" in again.json()["checks"]["database"]["detail"]
        finally:
            proxy.frozen.clear()
        assert _until(desk, 200).status_code == 200
