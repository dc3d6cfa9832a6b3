"""A `prompt` job's batch defers its commit listeners (metrics, log lines) so its caller's
next action (a send to the venue) goes first: they run, in commit order, with the writer's
next batch, when it idles, or when it stops; a batch that changed a halt never waits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from gateway.adapters.store import writer as writer_module
from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer, prompt
from gateway.ports.clock import SystemClock
from gateway.services import halt


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    ensure_current(engine)
    yield engine
    engine.dispose()


class Heard:
    """What the writer's listeners were told (they run on its thread, after the waiter)."""

    def __init__(self, w: Writer) -> None:
        self.kinds: list[str] = []
        self.halts = threading.Event()
        self.commits = 0
        self._changed = threading.Condition()
        w.on_commit(self.commit)
        w.on_halt(self.halts.set)
        w.on_records(self.records)

    def commit(self) -> None:
        self.commits += 1

    def records(self, rows: list[dict[str, Any]]) -> None:
        with self._changed:
            self.kinds.extend(r["kind"] for r in rows)
            self._changed.notify_all()

    async def wait_for(self, n: int) -> list[str]:
        def wait() -> list[str]:
            with self._changed:
                self._changed.wait_for(lambda: len(self.kinds) >= n, timeout=30)
                return list(self.kinds)
        return await asyncio.to_thread(wait)


def note(kind: str) -> Any:
    def job(uow: UnitOfWork) -> int:
        return uow.audit.append(uow.now, kind, "system:test")
    return job


@pytest.fixture
def never_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    # Deferred follow-ups then run only with a later batch or at stop: nothing races them.
    monkeypatch.setattr(writer_module, "FOLLOW_UP_S", 3600.0)


@pytest.mark.usefixtures("never_idle")
async def test_a_prompt_batch_is_heard_of_with_the_next_batch_in_commit_order(
        engine: Engine) -> None:
    w = Writer(engine, SystemClock(), dict)
    heard = Heard(w)
    w.start()
    try:
        await w.run(prompt(note("test.first")))
        assert heard.kinds == [] and heard.commits == 0  # committed, not yet announced
        await w.run(note("test.second"))
        assert await heard.wait_for(2) == ["test.first", "test.second"]
        assert heard.commits == 2
    finally:
        w.stop()


@pytest.mark.usefixtures("never_idle")
def test_what_is_deferred_is_heard_of_when_the_writer_stops(engine: Engine) -> None:
    w = Writer(engine, SystemClock(), dict)
    heard = Heard(w)
    w.start()
    w.submit(prompt(note("test.last"))).result(timeout=30)
    w.stop()
    assert heard.kinds == ["test.last"]


@pytest.mark.usefixtures("never_idle")
async def test_a_prompt_batch_that_halts_is_heard_of_at_once(engine: Engine) -> None:
    w = Writer(engine, SystemClock(), dict)
    heard = Heard(w)
    w.start()
    try:
        await w.run(prompt(lambda uow: halt.set_halt(uow, "risk:test", "drill")))
        assert await asyncio.to_thread(heard.halts.wait, 30)  # no later batch needed
    finally:
        w.stop()


async def test_an_idle_writer_runs_what_it_deferred(engine: Engine) -> None:
    w = Writer(engine, SystemClock(), dict)
    heard = Heard(w)
    w.start()
    try:
        await w.run(prompt(note("test.alone")))
        assert await heard.wait_for(1) == ["test.alone"]  # no other batch comes
    finally:
        w.stop()
