"""A halt must not wait on a gateway process that hung inside a transaction.

On PostgreSQL every write transaction takes the gateway's state-row lock. A process stopped
mid-transaction (SIGSTOP, a debugger, a frozen VM) keeps that lock for as long as its
connection lives, so the halt written straight to the database by `gateway halt` would wait
forever behind it, and so would every live process. While the halt waits, this breaker ends
the sessions that block another session and have sat idle inside a transaction for longer
than `after_s`: their client is doing nothing, so nothing of theirs is lost but an open
transaction, which PostgreSQL rolls back whole (a claim not committed is never sent; an ack
not committed leaves the order to be resolved by its client order id). SQLite has no
sessions to end: its writers hold the lock only while they run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from gateway.adapters.store.engine import is_sqlite

# Idle in a transaction and blocking someone: a live writer is never idle that long (its
# batches commit in milliseconds), a hung one always is.
_HUNG = text("""
SELECT a.pid, pg_terminate_backend(a.pid) AS ended
FROM pg_stat_activity AS a
WHERE a.datname = current_database()
  AND a.pid <> pg_backend_pid()
  AND a.state IN ('idle in transaction', 'idle in transaction (aborted)')
  AND a.state_change < clock_timestamp() - make_interval(secs => :after_s)
  AND EXISTS (SELECT 1 FROM pg_stat_activity AS w WHERE a.pid = ANY(pg_blocking_pids(w.pid)))
""")


@contextmanager
def breaking_hung_sessions(engine: Engine, after_s: float = 0.5,
                           every_s: float = 0.1) -> Iterator[list[int]]:
    """Within the block, end hung sessions that block others; yields the pids ended."""
    ended: list[int] = []
    if is_sqlite(engine):
        yield ended
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(every_s):
            try:
                with engine.connect() as conn:
                    rows = conn.execute(_HUNG, {"after_s": after_s}).all()
                    conn.commit()
            except SQLAlchemyError:
                continue  # the halt itself reports a database that cannot be reached
            ended.extend(r.pid for r in rows if r.ended)

    watcher = threading.Thread(target=watch, name="halt-lock-breaker", daemon=True)
    watcher.start()
    try:
        yield ended
    finally:
        done.set()
        watcher.join(timeout=2)
