"""The parallel walk (for long chains) vouches only for an intact chain whose ranges join;
anything else goes back to the sequential walk, which names the break."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gateway.services.audit_parallel import verify_parallel
from gateway.services.audit_verify import Anchor, head, verify

from .audit_db import drop_triggers, seeded, sql

N = 30


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = seeded(database_url, N)
    yield engine
    engine.dispose()


def parallel(engine: Engine, *anchors: Anchor) -> object:
    return verify_parallel(engine, list(anchors), workers=3, min_records=1)


def test_an_intact_chain_verifies_in_ranges_with_the_sequential_result(engine: Engine) -> None:
    report = parallel(engine, head(engine))
    assert report == verify(engine, [head(engine)], workers=1)
    assert report is not None and report.records == N


def test_a_short_chain_is_left_to_the_sequential_walk(engine: Engine) -> None:
    assert verify_parallel(engine, [], workers=3, min_records=N + 1) is None


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET body = body || ' ' WHERE seq = 20",
    "DELETE FROM audit_events WHERE seq = 10",  # the last record of the first range
    "DELETE FROM audit_events WHERE seq = 11",  # the first record of the second range
    "UPDATE audit_events SET prev_hash = hash WHERE seq = 21",
])
def test_any_break_is_handed_back_for_diagnosis(engine: Engine, statement: str) -> None:
    drop_triggers(engine)
    sql(engine, statement)
    assert parallel(engine) is None
    assert not verify(engine, workers=3).ok


def test_an_anchor_past_the_end_is_handed_back(engine: Engine) -> None:
    kept = head(engine)
    drop_triggers(engine)
    sql(engine, f"DELETE FROM audit_events WHERE seq > {N - 5}")
    assert parallel(engine, kept) is None
    broken = verify(engine, [kept], workers=3).broken
    assert broken is not None and broken.kind == "truncated"
