"""Verify a long chain on several cores: each worker process walks one range of seqs.

Hashing is CPU-bound and Python runs it on one core per process, so a million records
verify about as many times faster as there are cores. The ranges must then join: each
range's first record links to the previous range's last, and each range ends where the
next begins. This only speeds up the common case, an intact chain; on any doubt it answers
None and the caller runs the sequential walk, which names the first break and its kind.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext

from sqlalchemy import Engine, func, select

from gateway.adapters.store.audit import GENESIS
from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.tables import audit_events

from .audit_verify import Anchor, Report, stream_chain, verify_rows

PARALLEL_MIN = 200_000  # below this, starting processes costs more than it saves
MAX_WORKERS = 8

# (records, last seq, last hash, the first record's prev_hash, intact)
RangeResult = tuple[int, int, str, str, bool]


def _walk_range(url: str, lo: int, hi: int, anchors: list[Anchor]) -> RangeResult:
    engine = make_engine(url)
    try:
        t = audit_events.c
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            first = conn.execute(select(t.prev_hash).where(t.seq >= lo, t.seq <= hi)
                                 .order_by(t.seq).limit(1)).scalar()
        if first is None:
            return 0, lo - 1, "", "", False
        # Trust the range's first link for now; the parent checks it against the range before.
        report = verify_rows(stream_chain(engine, seqs=(lo, hi)), anchors,
                             start=Anchor(lo - 1, str(first)))
        return report.records, report.head.seq, report.head.hash, str(first), report.ok
    finally:
        engine.dispose()


def _context() -> BaseContext:
    # fork starts at once and needs no importable __main__, but is only safe with no other
    # threads (a CLI command, a benchmark); otherwise spawn a fresh interpreter. Workers
    # open their own connections either way.
    if threading.active_count() == 1 and "fork" in get_all_start_methods():
        return get_context("fork")
    return get_context("spawn")


def _workers(requested: int | None) -> int:
    if requested is not None:
        return requested
    return min(len(os.sched_getaffinity(0)), MAX_WORKERS)


def verify_parallel(engine: Engine, anchors: list[Anchor], workers: int | None = None,
                    min_records: int = PARALLEL_MIN) -> Report | None:
    """An intact chain's report, or None: too short to split, or something to diagnose."""
    n = _workers(workers)
    t = audit_events.c
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        lo, hi = conn.execute(select(func.min(t.seq), func.max(t.seq))).one()
    if n < 2 or lo != 1 or hi is None or hi < min_records:
        return None
    step = -(-hi // n)
    bounds = [(a, min(a + step - 1, hi)) for a in range(1, hi + 1, step)]
    url = engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(len(bounds), mp_context=_context()) as pool:
        results = list(pool.map(
            _walk_range, [url] * len(bounds), [b[0] for b in bounds], [b[1] for b in bounds],
            [[a for a in anchors if b[0] <= a.seq <= b[1]] for b in bounds]))
    prev, total = Anchor(0, GENESIS), 0
    for (records, last_seq, last_hash, first_link, ok), (_, range_hi) in zip(
            results, bounds, strict=True):
        if not ok or first_link != prev.hash or last_seq != range_hi:
            return None
        prev, total = Anchor(last_seq, last_hash), total + records
    if any(a.seq > prev.seq for a in anchors):
        return None  # an anchor beyond the end: the sequential walk reports the truncation
    return Report(total, prev, None)
