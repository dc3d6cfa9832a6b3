"""The writer's urgent lane: a halt queued behind a backlog commits right after the batch
already running, in a batch of its own, ahead of everything that was waiting."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import Writer
from gateway.ports.clock import SystemClock


def test_an_urgent_job_overtakes_the_queue_and_commits_alone(database_url: str) -> None:
    engine = make_engine(database_url)
    ensure_current(engine)
    writer = Writer(engine, SystemClock(), dict)
    writer.start()
    started, release = threading.Event(), threading.Event()
    seen: list[tuple[str, UnitOfWork]] = []  # (job, its unit of work: one per batch)

    def job(name: str, wait: bool = False) -> Any:
        def run(uow: UnitOfWork) -> None:
            if wait:
                started.set()
                release.wait(30)
            seen.append((name, uow))
        return run

    try:
        running = writer.submit(job("running", wait=True))
        assert started.wait(30)  # the batch is running: what follows has to wait
        queued: list[Future[Any]] = [writer.submit(job(f"queued{i}")) for i in range(5)]
        urgent = writer.submit(job("urgent"), urgent=True)
        release.set()
        for f in [running, *queued, urgent]:
            f.result(30)
    finally:
        writer.stop()
        engine.dispose()

    names = [name for name, _ in seen]
    assert names == ["running", "urgent", *(f"queued{i}" for i in range(5))]
    batches = {name: id(uow) for name, uow in seen}
    assert batches["urgent"] not in {batches[f"queued{i}"] for i in range(5)}
