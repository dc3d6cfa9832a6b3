"""A real database with an audit chain in it, and the attacker's tools: drop the append-only
triggers, then rewrite history with plain SQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from gateway.adapters.store.audit import chain_hash
from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.migrate import ensure_current
from gateway.adapters.store.uow import UnitOfWork
from gateway.adapters.store.writer import execute_batch
from gateway.cli.main import main
from gateway.ports.clock import SystemClock


def seeded(url: str, n: int = 10) -> Engine:
    engine = make_engine(url)
    ensure_current(engine)

    def job(i: int) -> Callable[[UnitOfWork], None]:
        def run(uow: UnitOfWork) -> None:
            uow.audit.append(uow.now, "order.proposed" if i % 2 else "order.approved",
                             f"producer:bot{i % 2}", order_id=f"ord_{i % 3}",
                             reason=f"step {i}", payload={"i": i})
        return run

    # Two batches, so the chain crosses a transaction boundary (the head is re-read).
    for start, stop in ((0, n // 2), (n // 2, n)):
        for _, error in execute_batch(engine, SystemClock(), {}, [job(i) for i in
                                                                  range(start, stop)]):
            assert error is None
    return engine


def sql(engine: Engine, *statements: str, **params: Any) -> None:
    with engine.begin() as conn:
        for s in statements:
            conn.execute(text(s), params)


def drop_triggers(engine: Engine) -> None:
    """What an attacker with database access does first."""
    if engine.dialect.name == "sqlite":
        sql(engine, "DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete")
    else:
        sql(engine, "DROP TRIGGER audit_events_append_only ON audit_events")


def row(engine: Engine, seq: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM audit_events WHERE seq = :s"), {"s": seq}).one()


def insert_forged(engine: Engine, at: int) -> None:
    """A forged record at `at`, linked to its predecessor; later records move up one."""
    prev = row(engine, at - 1).hash
    body = json.dumps({"actor": "operator:mallory", "kind": "order.approved", "order_id": "ord_0",
                       "payload": {}, "reason": "forged", "ts": "2026-11-22T06:00:00+00:00"},
                      separators=(",", ":"))
    sql(engine, "UPDATE audit_events SET seq = seq + 100000 WHERE seq >= :at",
        "UPDATE audit_events SET seq = seq - 99999 WHERE seq >= 100000", at=at)
    sql(engine, "INSERT INTO audit_events (seq, ts, kind, actor, order_id, body, prev_hash, hash) "
        "VALUES (:at, CURRENT_TIMESTAMP, 'order.approved', 'operator:mallory', 'ord_0', :body, "
        ":prev, :hash)", at=at, body=body, prev=prev, hash=chain_hash(prev, at, body))


def rehash_from(engine: Engine, start: int) -> None:
    """Recompute every hash from `start` on: a whole-chain rewrite that is self-consistent."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, body FROM audit_events WHERE seq >= :s "
                                 "ORDER BY seq"), {"s": start}).all()
    prev = row(engine, start - 1).hash
    for seq, body in rows:
        digest = chain_hash(prev, seq, body)
        sql(engine, "UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s",
            p=prev, h=digest, s=seq)
        prev = digest


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
        *argv: str) -> tuple[int, Any]:
    """Run `gateway --json ARGV` against the database; return the exit code and its JSON."""
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    capsys.readouterr()
    code = main(["--json", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None
