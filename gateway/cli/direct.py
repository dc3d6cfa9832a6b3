"""Straight to the database, for when the API server is down or hung: the halt, and the
status that shows it."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from gateway.adapters.store.engine import make_engine
from gateway.adapters.store.tables import gateway_state, orders
from gateway.adapters.store.writer import execute_batch
from gateway.domain.halts import Halt, HaltScope
from gateway.domain.orders import OrderState
from gateway.ports.clock import SystemClock
from gateway.services import halt, queries
from gateway.services.authn import Authenticator
from gateway.services.errors import ServiceError
from gateway.services.principals import HUMAN_ROLES, Principal

from .lock_breaker import breaking_hung_sessions
from .output import CliError, settings


def halt_direct(token: str | None, reason: str, scope: HaltScope = HaltScope.GLOBAL,
                target: str = "") -> dict[str, Any]:
    """The halt and its audit record in one transaction, which on PostgreSQL also notifies
    every gateway process (they cancel and withdraw at once); on SQLite they see it within
    their next beat, and every claim reads it before any send."""
    engine = gateway_database()
    try:
        who = _operator(engine, token, "halt")
        with breaking_hung_sessions(engine) as ended:
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
            "rule": h.rule, "sends_in_flight": result.sends_in_flight,
            "hung_sessions_ended": sorted(set(ended))}


def gateway_database() -> Engine:
    """The gateway's database, or a one-line error naming the URL (never its password) when
    there is none there: a mistyped URL must not look like a halt that was written, nor
    leave an empty SQLite file behind."""
    url = make_url(settings().database_url)
    hint = ("set GATEWAY_DATABASE_URL (or database.url in gateway.toml) to the one `gateway "
            "serve` uses")
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and not (
            url.database and url.database != ":memory:" and os.path.isfile(url.database)):
        raise CliError(f"no gateway database at {where}: {hint}")
    engine = make_engine(settings().database_url)
    try:
        with engine.connect() as conn:
            conn.execute(select(gateway_state.c.id).limit(1)).all()
    except SQLAlchemyError as exc:
        engine.dispose()
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CliError(f"cannot read a gateway database at {where} ({cause}): {hint}"
                       ) from exc
    return engine


def _operator(engine: Engine, token: str | None, what: str) -> Principal:
    who = Authenticator(engine).authenticate(token or os.environ.get("GATEWAY_TOKEN") or "")
    if who.role not in HUMAN_ROLES:
        raise CliError(f"only operators may {what}")
    return who


def status_direct(token: str | None) -> dict[str, Any]:
    """What `GET /v1/status` says that the database knows (halts, order counts, what is
    open at the venue as recorded, stopped symbols), for an operator's token. What only a
    running process knows (the venue's mismatches, cancels it still has to make) is None."""
    engine = gateway_database()
    try:
        _operator(engine, token, "read the status from the database")
        state, scoped = queries.halts(engine)
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            version = conn.execute(select(gateway_state.c.limits_version)).scalar_one()
        at_venue = queries.open_at_venue(engine)
        out = {"halt": _halt(state.as_halt()), "halts": [_halt(h) for h in scoped],
               "orders_by_state": queries.counts_by_state(engine),
               "limits_version": version, "venue": _venue_name(),
               "stopped_symbols": queries.stopped_symbols(engine),
               "venue_mismatches": None, "cancels_pending": None,
               "open_at_venue": [{"symbol": s, **{k: n.get(k, 0) for k in (
                   "sending", "submitted", "partially_filled")}}
                   for s, n in sorted(at_venue.items())]}
    except ServiceError as exc:
        raise CliError(exc.message) from exc
    finally:
        engine.dispose()
    return out


def _venue_name() -> str:
    s = settings()
    return f"ccxt:{s.ccxt_exchange}" if s.venue == "ccxt" else s.venue


def _halt(h: Halt | None) -> dict[str, Any]:
    if h is None:
        return {"halted": False, "reason": None, "actor": None, "since": None}
    return {"halted": True, "reason": h.reason, "actor": h.actor, "since": h.since.isoformat(),
            "scope": h.scope.value, "target": h.target or None, "rule": h.rule}


def count_sending(engine: Engine) -> int:
    """Orders in `sending` (claimed, their venue call not yet answered)."""
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        return int(conn.execute(select(func.count()).select_from(orders).where(
            orders.c.state == OrderState.SENDING.value)).scalar_one())


def settle_direct(timeout_s: float) -> int:
    """Wait (bounded) until no send is in flight; return how many still are."""
    engine = gateway_database()
    try:
        left = count_sending(engine)
        deadline = time.monotonic() + timeout_s
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = count_sending(engine)
        return left
    finally:
        engine.dispose()
