"""Cross-process wake-ups on PostgreSQL: NOTIFY in the committing transaction, LISTEN in
every gateway process.

Every write transaction that appends to the audit trail notifies `gateway_commit` (event
streams fetch what is new); one that changes a halt also notifies `gateway_halt` (executors
withdraw and cancel at once). PostgreSQL delivers a notification only when its transaction
commits, so a listener never hears of a change it cannot yet read; a halt written straight to
the database by the CLI (the API being down) notifies in its own transaction the same way.

SQLite has no such channel: a single host keeps its local wake-ups and the pollers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, select

COMMIT = "gateway_commit"
HALT = "gateway_halt"
log = logging.getLogger(__name__)


def announce(conn: Connection, head_moved: bool, signals: set[str]) -> None:
    """Queue the notifications for this transaction (sent by PostgreSQL at its commit)."""
    if conn.dialect.name != "postgresql":
        return
    if head_moved:
        conn.execute(select(func.pg_notify(COMMIT, "")))
    if "halt" in signals:
        conn.execute(select(func.pg_notify(HALT, "")))


def _conninfo(engine: Engine) -> str:
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Listener:
    """A thread holding one connection that LISTENs on both channels and calls back.

    `healthy` is False while it is not connected: pollers then fall back to their fast beat.
    On every (re)connection both callbacks fire once, since anything may have been missed.
    """

    def __init__(self, engine: Engine, on_commit: Callable[[], None],
                 on_halt: Callable[[], None], retry_s: float = 1.0) -> None:
        self._conninfo = _conninfo(engine)
        self._callbacks = {COMMIT: on_commit, HALT: on_halt}
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-listen", daemon=True)
        self.healthy = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _fire(self, channel: str) -> None:
        try:
            self._callbacks[channel]()
        except Exception:
            log.exception("listener callback for %s failed", channel)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True,
                                     connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {COMMIT}")
                    conn.execute(f"LISTEN {HALT}")
                    self.healthy = True
                    self._fire(HALT)
                    self._fire(COMMIT)
                    while not self._stop.is_set():
                        # A short timeout only to look at the stop flag; delivery is at once.
                        for note in conn.notifies(timeout=0.5):
                            self._fire(note.channel)
            except Exception as exc:
                if not self._stop.is_set():
                    log.warning("LISTEN connection lost (%s); pollers take over until it is "
                                "back", type(exc).__name__)
            self.healthy = False
            self._stop.wait(self._retry_s)
