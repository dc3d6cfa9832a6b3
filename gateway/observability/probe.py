"""Cheap, bounded reads of the shared database for /readyz and /metrics.

A probe gets its own connection each time (no pool to exhaust, and a dropped database is
noticed at once) with a connect timeout, and the caller waits at most `timeout_s`. A probe
stuck on a hung server is not started again until it returns: a load balancer polling a
hung database gets a fast "not answering", never a pile of blocked threads.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from gateway.adapters.store.tables import audit_events, gateway_state, orders
from gateway.adapters.store.uow import read_scoped
from gateway.domain.halts import Halt
from gateway.domain.orders import OrderState


class ProbeFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class DbFacts:
    halted: bool
    halt_reason: str | None
    pending: int = 0
    oldest_pending_at: datetime | None = None
    approved_waiting: int = 0
    audit_head: int = 0
    halt_since: datetime | None = None
    halt_rule: str | None = None
    # Halts of one symbol or one producer, read in the same transaction as the global one
    # (the same rows `gateway status` lists).
    scoped: tuple[Halt, ...] = ()


def probe_engine(url: str, timeout_s: float) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Plain pysqlite: reads never take the write lock the gateway's writer uses.
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout_s})
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, poolclass=NullPool,
                         connect_args={"connect_timeout": max(1, round(timeout_s))})


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def read_facts(engine: Engine, full: bool) -> DbFacts:
    with engine.connect() as conn:  # one transaction (autobegin): halts read together
        row = conn.execute(select(gateway_state.c.halted, gateway_state.c.halt_reason,
                                  gateway_state.c.halt_since, gateway_state.c.halt_rule)
                           .where(gateway_state.c.id == 1)).first()
        if row is None:
            raise ProbeFailed("no gateway_state row: run `gateway db upgrade`")
        halts = DbFacts(bool(row.halted), row.halt_reason, halt_since=_utc(row.halt_since),
                        halt_rule=row.halt_rule, scoped=read_scoped(conn))
        if not full:
            return halts
        pending = conn.execute(select(func.count(), func.min(orders.c.created_at)).where(
            orders.c.state == OrderState.PENDING_APPROVAL.value)).one()
        approved = conn.execute(select(func.count()).where(
            orders.c.state == OrderState.APPROVED.value)).scalar_one()
        head = conn.execute(select(func.max(audit_events.c.seq))).scalar_one()
        return replace(halts, pending=int(pending[0]), oldest_pending_at=_utc(pending[1]),
                       approved_waiting=int(approved), audit_head=int(head or 0))


class DbProbe:
    def __init__(self, url: str, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._engine = probe_engine(url, timeout_s)
        self._stuck: Future[DbFacts] | None = None
        self._stuck_since = 0.0

    async def read(self, full: bool = False) -> DbFacts:
        if self._stuck is not None and not self._stuck.done():
            waited = time.monotonic() - self._stuck_since
            raise ProbeFailed(f"not answering (a check started {waited:.0f} s ago is still "
                              "waiting)")
        loop = asyncio.get_running_loop()
        future: Future[DbFacts] = Future()

        def run() -> None:
            try:
                future.set_result(read_facts(self._engine, full))
            except BaseException as exc:
                future.set_exception(exc)

        started = time.monotonic()
        loop.run_in_executor(None, run)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)),
                                          self.timeout_s)
        except TimeoutError:
            self._stuck, self._stuck_since = future, started
            raise ProbeFailed(f"not answering within {self.timeout_s:g} s") from None
        except ProbeFailed:
            raise
        except Exception as exc:
            raise ProbeFailed(f"unreachable: {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}") from None

    def close(self) -> None:
        self._engine.dispose()
