"""Concurrent proposals can never jointly breach a limit: threads and separate processes,
each with its own transactions, race for the last unit of capacity."""

from __future__ import annotations

import multiprocessing
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.tables import orders
from tests.integration.race_worker import ATTEMPTS_PER_WORKER, propose_many

SUBMITTERS = 16


def _pending_quantities(url: str) -> list[Decimal]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(orders.c.quantity, orders.c.state)).all()
    engine.dispose()
    assert len(rows) == SUBMITTERS * ATTEMPTS_PER_WORKER  # every attempt recorded, pass or fail
    return [Decimal(q) for q, state in rows if state == "pending_approval"]


@pytest.fixture
def url(database_url: str) -> str:
    engine = make_engine(database_url)
    ensure_current(engine)
    engine.dispose()
    return database_url


def test_sixteen_threads_racing_for_capacity_get_exactly_what_fits(url: str) -> None:
    threads = [threading.Thread(target=propose_many, args=(url, w)) for w in range(SUBMITTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pending = _pending_quantities(url)
    assert (len(pending), sum(pending)) == (5, Decimal("0.5"))


def test_sixteen_processes_racing_for_capacity_get_exactly_what_fits(url: str) -> None:
    # forkserver with the worker preloaded: children start fast and share no connections.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.integration.race_worker"])
    procs = [ctx.Process(target=propose_many, args=(url, w)) for w in range(SUBMITTERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * SUBMITTERS
    pending = _pending_quantities(url)
    assert (len(pending), sum(pending)) == (5, Decimal("0.5"))
