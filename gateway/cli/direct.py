"""Writes straight to the database, for when the API server is down or hung."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine, func, select

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.tables import orders
from gateway.adapters.store.writer import execute_batch
from gateway.domain.halts import HaltScope
from gateway.domain.orders import OrderState
from gateway.ports.clock import SystemClock
from gateway.services import halt
from gateway.services.authn import Authenticator
from gateway.services.errors import ServiceError
from gateway.services.principals import HUMAN_ROLES

from .output import CliError, settings


def halt_direct(token: str | None, reason: str, scope: HaltScope = HaltScope.GLOBAL,
                target: str = "") -> dict[str, Any]:
    """The halt and its audit record in one transaction, which on PostgreSQL also notifies
    every gateway process (they cancel and withdraw at once); on SQLite they see it within
    their next beat, and every claim reads it before any send."""
    token = token or os.environ.get("GATEWAY_TOKEN") or ""
    engine = make_engine(settings().database_url)
    try:
        who = Authenticator(engine).authenticate(token)
        if who.role not in HUMAN_ROLES:
            raise CliError("only operators may halt")
        [(result, error)] = execute_batch(engine, SystemClock(), {}, [
            lambda uow: halt.halt(uow, scope, target, who.actor, reason)])
        if error is not None:
            message = error.message if isinstance(error, ServiceError) else str(error)
            raise CliError(f"halt not written: {message}")
    except ServiceError as exc:
        raise CliError(exc.message) from exc
    finally:
        engine.dispose()
    h = result.halt
    return {"halted": True, "reason": h.reason, "actor": h.actor,
            "since": h.since.isoformat(), "scope": h.scope.value, "target": h.target or None,
            "rule": h.rule, "sends_in_flight": result.sends_in_flight}


def count_sending(engine: Engine) -> int:
    """Orders in `sending` (claimed, their venue call not yet answered)."""
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        return int(conn.execute(select(func.count()).select_from(orders).where(
            orders.c.state == OrderState.SENDING.value)).scalar_one())


def settle_direct(timeout_s: float) -> int:
    """Wait (bounded) until no send is in flight; return how many still are."""
    engine = make_engine(settings().database_url)
    try:
        left = count_sending(engine)
        deadline = time.monotonic() + timeout_s
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = count_sending(engine)
        return left
    finally:
        engine.dispose()
