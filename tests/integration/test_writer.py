"""The group-commit writer as coroutines see it: an answer only after its batch committed,
each job's own error to its own caller, and a caller that gave up before its job started
never has it run. And what it keeps between batches stays true."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, func, select

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.tables import audit_events
from gateway.adapters.store.uow import BatchCache, UnitOfWork
from gateway.adapters.store.writer import Writer, execute_batch
from gateway.ports.clock import SystemClock
from gateway.services import principals


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    ensure_current(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def writer(engine: Engine) -> Iterator[Writer]:
    w = Writer(engine, SystemClock(), dict)
    w.start()
    yield w
    w.stop()


def records(engine: Engine, kind: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_events).where(
            audit_events.c.kind == kind)).scalar_one())


def note(kind: str, n: int) -> Callable[[UnitOfWork], int]:
    def job(uow: UnitOfWork) -> int:
        return uow.audit.append(uow.now, kind, "system:test", payload={"n": n})
    return job


async def test_many_waiters_each_get_their_own_answer_after_the_commit(
        writer: Writer, engine: Engine) -> None:
    async def one(n: int) -> int:
        seq = await writer.run(note("test.many", n))
        assert records(engine, "test.many") >= 1  # committed before we heard back
        return seq

    seqs = await asyncio.gather(*(one(n) for n in range(64)))
    assert sorted(seqs) == list(range(min(seqs), min(seqs) + 64))  # distinct, gap-free
    assert records(engine, "test.many") == 64


async def test_a_failing_job_fails_alone_in_its_batch(writer: Writer, engine: Engine) -> None:
    def bad(uow: UnitOfWork) -> None:
        uow.audit.append(uow.now, "test.bad", "system:test")
        raise ValueError("this job is refused")

    results = await asyncio.gather(writer.run(note("test.good", 1)), writer.run(bad),
                                   writer.run(note("test.good", 2)), return_exceptions=True)
    assert isinstance(results[1], ValueError)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert (records(engine, "test.good"), records(engine, "test.bad")) == (2, 0)


async def test_a_caller_that_gave_up_before_its_job_started_never_has_it_run(
        writer: Writer, engine: Engine) -> None:
    started, release = threading.Event(), threading.Event()

    def hold(uow: UnitOfWork) -> None:
        started.set()
        release.wait(10)

    blocker = asyncio.ensure_future(writer.run(hold))
    while not started.is_set():
        await asyncio.sleep(0.01)
    waiting = asyncio.ensure_future(writer.run(note("test.abandoned", 1)))
    await asyncio.sleep(0.05)  # queued behind the held batch
    waiting.cancel()
    release.set()
    await blocker
    await writer.run(note("test.after", 1))  # a later batch: the abandoned one had its turn
    assert waiting.cancelled()
    assert records(engine, "test.abandoned") == 0


def test_threads_still_submit_and_wait(writer: Writer, engine: Engine) -> None:
    futures = [writer.submit(note("test.thread", n)) for n in range(8)]
    assert len({f.result(timeout=30) for f in futures}) == 8
    assert records(engine, "test.thread") == 8


def test_a_suspension_binds_the_next_proposal_whoever_made_it(engine: Engine) -> None:
    """Producers' statuses are kept between batches: a suspension made in this process's
    writer, or by another process, must still refuse the very next proposal."""
    clock, cache = SystemClock(), BatchCache()

    def batch(*jobs: Callable[[UnitOfWork], object]) -> list[object]:
        outcomes = execute_batch(engine, clock, {}, list(jobs), cache)
        return [error if error is not None else result for result, error in outcomes]

    def inactive(uow: UnitOfWork) -> frozenset[str]:
        return uow.inactive_producers()

    def set_status(status: str) -> Callable[[UnitOfWork], object]:
        return lambda uow: principals.set_status(uow, "bot", status, "admin:test", "test")

    batch(lambda uow: principals.add(uow, "bot", principals.Role.PRODUCER, "p", "admin:test"))
    assert batch(inactive) == [frozenset()]
    assert batch(set_status("suspended"), inactive) == [[], frozenset({"bot"})]  # same batch
    assert batch(inactive) == [frozenset({"bot"})]
    # Another process (its own writer and cache) reinstates it.
    execute_batch(engine, clock, {}, [set_status("active")], BatchCache())
    assert batch(inactive) == [frozenset()]
