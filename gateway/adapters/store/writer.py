"""Group commit: one writer thread per process runs jobs in batches, one transaction each.

Every batch takes the database-wide write lock (BEGIN IMMEDIATE on SQLite, a row lock on
PostgreSQL) before reading anything, so limit checks, reservations and the audit chain are
atomic across threads and processes. Callers get their result only after the commit is
durable.

A job either writes directly (it then runs in a savepoint, so one failure rolls back alone)
or is `buffered`: it only appends to the unit of work's buffers, which are flushed in one
round trip per batch. A buffered job that raises has its buffers cut back to where it began.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine

from gateway.domain.limits import Limits
from gateway.domain.markets import MarketData
from gateway.ports.clock import Clock

from . import nonces_repo, orders_repo
from .audit import AuditAppender, read_head
from .notify import announce
from .uow import BatchCache, UnitOfWork, lock_state

T = TypeVar("T")
Job = Callable[[UnitOfWork], Any]
BatchHook = Callable[[Any, list[dict[str, Any]]], None]
LimitsSource = Callable[[Any, str | None], Callable[[], tuple[Limits, str]]]
log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The database refused or lost a transaction; nothing in it was written."""


def buffered(fn: Job) -> Job:
    """Mark a job that writes only through the unit of work's buffers (no savepoint)."""
    fn.buffered = True  # type: ignore[attr-defined]
    return fn


def prompt(fn: Job) -> Job:
    """Mark a job whose caller acts on its outcome at once (the executor sends the order it
    claimed to the venue). Its batch's follow-ups (the commit listeners: metrics, decision
    log lines, the desk's live signal) then wait for the writer's next batch, or FOLLOW_UP_S
    of idleness: run at once, they would hold the interpreter (and wake the logging thread)
    just as that action starts. A batch that changed a halt never defers its listeners."""
    fn.prompt = True  # type: ignore[attr-defined]
    return fn


# How long a prompt batch's follow-ups may wait when no other batch comes.
FOLLOW_UP_S = 0.02


class _Item:
    """A queued job and whoever waits for it: a thread (a concurrent future) or a coroutine
    (an asyncio future, settled in its own loop with the rest of its batch)."""

    __slots__ = ("fn", "future", "loop", "waiter")

    def __init__(self, fn: Job, future: Future[Any] | None = None,
                 waiter: asyncio.Future[Any] | None = None) -> None:
        self.fn = fn
        self.future = future
        self.waiter = waiter
        self.loop = waiter.get_loop() if waiter is not None else None

    def start(self) -> bool:
        """False if the caller gave up before the job started (it is then skipped)."""
        if self.future is not None:
            return self.future.set_running_or_notify_cancel()
        # Read from the writer thread: at worst a job whose caller is cancelling right now
        # runs anyway, and its outcome is dropped (as a started concurrent future's is).
        return self.waiter is not None and not self.waiter.cancelled()


def _settle(outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for waiter, result, error in outcomes:
        if waiter.done():  # cancelled while its batch ran
            continue
        if error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(result)


_NUDGE = _Item(lambda uow: None)  # in the queue only to wake the writer for urgent jobs


def _as_market(market: MarketData | Mapping[str, Decimal] | None) -> MarketData:
    if market is None:
        return MarketData()
    if isinstance(market, MarketData):
        return market
    return MarketData(prices=dict(market))


def execute_batch(
    engine: Engine,
    clock: Clock,
    market: MarketData | Mapping[str, Decimal] | None,
    jobs: list[Job],
    cache: BatchCache | None = None,
    limits: LimitsSource | None = None,
    hooks: Sequence[BatchHook] = (),
    committed: list[dict[str, Any]] | None = None,
    signals: set[str] | None = None,
) -> list[tuple[Any, BaseException | None]]:
    """Run jobs in one locked transaction; return (result, error) for each, after commit.

    `hooks` see the batch's audit rows just before they are written, in the same
    transaction (the webhook outbox is filled this way); `committed` receives those rows
    once the commit is durable. `signals` receives what the batch changed that others must
    hear of ("halt"); on PostgreSQL the same is notified to every process in the
    transaction (notify.py)."""
    cache = cache if cache is not None else BatchCache()
    outcomes: list[tuple[Any, BaseException | None]] = []
    with engine.connect() as conn, conn.begin():
        state = lock_state(conn)
        head = read_head(conn)
        if cache.head_seq != head.seq:
            cache.clear()  # someone else wrote since our last batch
        uow = UnitOfWork(conn, AuditAppender(head), clock.now(), state, _as_market(market),
                         cache, limits(conn, state.limits_version) if limits else None)
        probes = [key for fn in jobs if (key := getattr(fn, "idempotency", None))]
        uow.known_keys = orders_repo.known_keys(conn, probes)
        uow.known_nonces = nonces_repo.known(
            conn, [n for fn in jobs if (n := getattr(fn, "nonce_probe", None))])
        for fn in jobs:
            outcomes.append(_run_job(conn, uow, fn))
        orders_repo.flush_inserts(conn, uow)
        nonces_repo.flush(conn, uow, cache)
        rows = uow.audit.rows
        for hook in hooks:
            hook(conn, rows)
        uow.audit.flush(conn)
        announce(conn, uow.audit.head.seq != head.seq, uow.signals)
        cache.head_seq = uow.audit.head.seq
    if committed is not None:
        committed.extend(rows)
    if signals is not None:
        signals.update(uow.signals)
    return outcomes


def _run_job(conn: Any, uow: UnitOfWork, fn: Job) -> tuple[Any, BaseException | None]:
    mark = (uow.audit.mark(), len(uow.new_orders), uow.state)
    nonce_mark = len(uow.new_nonces)
    savepoint = None
    if not getattr(fn, "buffered", False):
        orders_repo.flush_inserts(conn, uow)  # a direct job must see this batch's orders
        mark = (mark[0], 0, mark[2])
        savepoint = conn.begin_nested()
    try:
        result = fn(uow)
    except Exception as exc:
        if savepoint is not None:
            savepoint.rollback()
        uow.audit.reset(mark[0])
        del uow.new_orders[mark[1]:]
        del uow.new_nonces[nonce_mark:]
        uow.state = mark[2]
        uow.invalidate()
        uow.cache.activity = uow.cache.inactive = None
        return None, exc
    if savepoint is not None:
        savepoint.commit()
    return result, None


class Writer:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        market: Callable[[], MarketData | Mapping[str, Decimal]],
        max_batch: int = 512,
        limits: LimitsSource | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._market = market
        self._limits = limits
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        # Urgent jobs (a halt) skip the queue and commit in a batch of their own.
        self._urgent: deque[_Item] = deque()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[], None]] = []
        self._record_listeners: list[Callable[[list[dict[str, Any]]], None]] = []
        self.hooks: list[BatchHook] = []
        self._halt_listeners: list[Callable[[], None]] = []
        self._cache = BatchCache()
        self._later: deque[Callable[[], None]] = deque()  # deferred follow-ups, in order

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Called (from the writer thread) after every committed batch."""
        self._listeners.append(callback)

    def on_records(self, callback: Callable[[list[dict[str, Any]]], None]) -> None:
        """Called (from the writer thread) with each committed batch's audit rows: metrics
        and decision logs are derived from them, never from an extra query."""
        self._record_listeners.append(callback)

    def on_halt(self, callback: Callable[[], None]) -> None:
        """Called (from the writer thread) after a committed batch that changed a halt."""
        self._halt_listeners.append(callback)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="gateway-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, fn: Job, urgent: bool = False) -> Future[Any]:
        """Queue a job. An `urgent` one runs before everything queued, in a batch of its
        own, so it commits as soon as the batch already running has."""
        if self._thread is None:
            raise StoreUnavailable("the writer is not running")
        future: Future[Any] = Future()
        self._enqueue(_Item(fn, future=future), urgent)
        return future

    async def run(self, fn: Callable[[UnitOfWork], T], urgent: bool = False) -> T:
        """Run `fn` in a batch; the result (or its error) arrives after the commit. The
        waiters of one batch are settled with one call into their loop, not one each."""
        if self._thread is None:
            raise StoreUnavailable("the writer is not running")
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._enqueue(_Item(fn, waiter=waiter), urgent)
        return await waiter

    def _enqueue(self, item: _Item, urgent: bool) -> None:
        if urgent:
            self._urgent.append(item)
            self._queue.put(_NUDGE)  # wakes an idle writer
        else:
            self._queue.put(item)

    def _deliver(self, batch: list[_Item],
                 outcomes: list[tuple[Any, BaseException | None]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for item, (result, error) in zip(batch, outcomes, strict=True):
            if item.future is not None:
                if error is not None:
                    item.future.set_exception(error)
                else:
                    item.future.set_result(result)
            elif item.loop is not None:
                by_loop.setdefault(item.loop, []).append((item.waiter, result, error))
        for loop, settled in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:  # the loop closed while the batch ran: nobody waits
                log.warning("%d results dropped: their event loop is closed", len(settled))

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=FOLLOW_UP_S) if self._later else (
                    self._queue.get())
            except queue.Empty:
                self._follow_up_later()
                continue
            self._run_urgent()
            if first is None:
                self._follow_up_later()
                return
            if first is _NUDGE:
                continue
            batch = [first]
            stop = False
            while len(batch) < self._max_batch and not self._urgent:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                if item is not _NUDGE:
                    batch.append(item)
            self._run(batch)
            self._run_urgent()
            if stop:
                self._follow_up_later()
                return

    def _run_urgent(self) -> None:
        batch = []
        while self._urgent:
            batch.append(self._urgent.popleft())
        if batch:
            self._run(batch)

    def _run(self, batch: list[_Item]) -> None:
        # A caller that gave up before its job started (cancelled) is skipped; once running,
        # a job's outcome goes to its caller if it still waits.
        batch = [item for item in batch if item.start()]
        if not batch:
            return
        rows: list[dict[str, Any]] = []
        signals: set[str] = set()
        try:
            outcomes = execute_batch(self._engine, self._clock, self._market(),
                                     [i.fn for i in batch], self._cache, self._limits,
                                     self.hooks, rows, signals)
        except Exception as exc:
            log.exception("write batch of %d failed", len(batch))
            self._cache = BatchCache()
            failure = StoreUnavailable(f"database write failed: {type(exc).__name__}: {exc}")
            self._deliver(batch, [(None, failure)] * len(batch))
            return
        self._deliver(batch, outcomes)
        follow_up = functools.partial(self._follow_up, "halt" in signals, rows)
        if "halt" not in signals and any(getattr(i.fn, "prompt", False) for i in batch):
            self._later.append(follow_up)
            return
        self._follow_up_later()  # first those of earlier batches: listeners see them in order
        follow_up()

    def _follow_up_later(self) -> None:
        while self._later:
            self._later.popleft()()

    def _follow_up(self, halt: bool, rows: list[dict[str, Any]]) -> None:
        """The commit listeners of one committed batch."""
        listeners = self._listeners + (self._halt_listeners if halt else [])
        for callback in listeners:
            try:
                callback()
            except Exception:
                log.exception("commit listener failed")
        if rows:
            for record_callback in self._record_listeners:
                try:
                    record_callback(rows)
                except Exception:
                    log.exception("audit record listener failed")
