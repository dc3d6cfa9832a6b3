"""Group commit: one writer thread per process runs jobs in batches, one transaction each.

Every batch takes the database-wide write lock (BEGIN IMMEDIATE on SQLite, a row lock on
PostgreSQL) before reading anything, so limit checks, reservations and the audit chain are
atomic across threads and processes. Each job runs in a savepoint: one failing job rolls
back alone. Callers get their result only after the commit is durable.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine

from gateway.ports.clock import Clock

from .audit import AuditAppender, read_head
from .uow import UnitOfWork, lock_state

T = TypeVar("T")
Job = Callable[[UnitOfWork], Any]
log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The database refused or lost a transaction; nothing in it was written."""


@dataclass
class _Item:
    fn: Job
    future: Future[Any] = field(default_factory=Future)


def execute_batch(
    engine: Engine, clock: Clock, prices: Mapping[str, Decimal], jobs: list[Job]
) -> list[tuple[Any, BaseException | None]]:
    """Run jobs in one locked transaction; return (result, error) for each, after commit."""
    outcomes: list[tuple[Any, BaseException | None]] = []
    with engine.connect() as conn, conn.begin():
        halt = lock_state(conn)
        uow = UnitOfWork(conn, AuditAppender(read_head(conn)), clock.now(), halt, prices)
        for fn in jobs:
            mark = uow.audit.mark()
            halt_before = uow.halt
            savepoint = conn.begin_nested()
            try:
                result = fn(uow)
            except Exception as exc:
                savepoint.rollback()
                uow.audit.reset(mark)
                uow.halt = halt_before
                uow.invalidate()
                outcomes.append((None, exc))
            else:
                savepoint.commit()
                outcomes.append((result, None))
        uow.audit.flush(conn)
    return outcomes


class Writer:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        prices: Callable[[], Mapping[str, Decimal]],
        max_batch: int = 512,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._prices = prices
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Called (from the writer thread) after every committed batch."""
        self._listeners.append(callback)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="gateway-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, fn: Job) -> Future[Any]:
        if self._thread is None:
            raise StoreUnavailable("the writer is not running")
        item = _Item(fn)
        self._queue.put(item)
        return item.future

    async def run(self, fn: Callable[[UnitOfWork], T]) -> T:
        result: T = await asyncio.wrap_future(self.submit(fn))
        return result

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._run(batch)
            if stop:
                return

    def _run(self, batch: list[_Item]) -> None:
        # A caller that gave up before its job started (cancelled) is skipped; once running,
        # a future cannot be cancelled, so every started job's outcome reaches its caller.
        batch = [item for item in batch if item.future.set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            outcomes = execute_batch(
                self._engine, self._clock, self._prices(), [i.fn for i in batch]
            )
        except Exception as exc:
            log.exception("write batch of %d failed", len(batch))
            failure = StoreUnavailable(f"database write failed: {type(exc).__name__}: {exc}")
            for item in batch:
                item.future.set_exception(failure)
            return
        for item, (result, error) in zip(batch, outcomes, strict=True):
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(result)
        for callback in self._listeners:
            try:
                callback()
            except Exception:
                log.exception("commit listener failed")
